"""What a function owns: the names Python makes local to it (``scope.local_names``)."""

from __future__ import annotations

import libcst as cst

from flake8_detach.analysis.scope import local_names

FUNCTION = '''
def f(a, *b, c=1, **d):
    global g
    x = 1
    y, (z, *w) = 2, (3, 4)
    for i in r: pass
    with o as (p, q): pass
    try: pass
    except E as err: h = 1
    else: e2 = 1
    finally: f2 = 1
    if c: k = 1
    elif d: k2 = 1
    else:
        k3 = 1
    while t: wl = 1
    else: we = 1
    match x:
        case 1:
            mm = 1
    import os.path as op, sys
    from m import n as nn
    def inner(): innerx = 1
    class C: cls_attr = 1
    g = 5
    lst.append(3)
    obj.attr = 4
    items[0] = 1
    aug += 1
    ann: int = 3
'''


def test_local_names_are_what_the_body_binds_and_the_parameters() -> None:
    function = cst.parse_module(FUNCTION).body[0]
    assert isinstance(function, cst.FunctionDef)
    assert local_names(function) == frozenset(
        "a b c d x y z w i p q err h e2 f2 k k2 k3 wl we mm op sys nn inner C aug ann".split()
    )


def test_a_lambda_owns_its_parameters() -> None:
    expression = cst.parse_expression("lambda t, *rest, scale=2: t * scale")
    assert isinstance(expression, cst.Lambda)
    assert local_names(expression) == frozenset({"t", "rest", "scale"})

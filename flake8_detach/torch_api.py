"""Everything the checker knows about PyTorch, NumPy and their neighbours, as data.

Each entry maps a qualified name (after import aliases are resolved) or a
method/attribute name to an ``Effect``.  The analysis interprets effects and
never tests API names itself.

Most of PyTorch is described by ``torch_api_derived.json``, which
``scripts/derive_torch_api.py`` derives by running torch (its version is in the
file); it is read on the first look-up, not on import.  The tables below hold
what running torch cannot tell, each with its reason: grad-mode switches, the
other libraries (NumPy, matplotlib, pandas, scikit-learn, Lightning...), Python
builtins, and the few places where the checker means something other than what
a probe with small inputs sees.  An exact entry here wins over the derived
table; a namespace default applies only where neither has the name.
"""

from __future__ import annotations

import enum
import functools
import json
import re
from pathlib import Path
from typing import Dict, FrozenSet, Iterator, Mapping, NamedTuple, Optional, Tuple


class Effect(enum.Enum):
    # --- what a call or attribute gives
    FACTORY = "factory"  # new tensor; requires grad only with requires_grad=True
    PROPAGATE = "propagate"  # differentiable op: requires grad if an input does
    VIEW = "view"  # view or maybe-identity op: keeps requires_grad even under no_grad
    TO_TENSOR = "to-tensor"  # torch.as_tensor(x): x when it is a tensor, else a new tensor from data
    STOP = "stop"  # a tensor cut from the graph (.detach(), .data, from_numpy)
    INTEGER = "integer"  # an integer or bool tensor, which never requires grad
    NOT_TENSOR = "not-tensor"  # a Python value or array (.item(), .shape)
    # a Python list of numbers (.tolist()): a list, so what is stored in it later is what it holds
    NUMBER_LIST = "number-list"
    SOURCE = "source"  # a leaf that requires grad (nn.Parameter, requires_grad_())
    MAX_LIKE = "max-like"  # (values, indices) when a dim is given, else PROPAGATE
    MODULE = "module"  # an nn.Module with parameters
    PARAMETERLESS_MODULE = "parameterless-module"  # losses, activations, pooling
    MODULE_USE = "module-use"  # .eval(), .to(device): the receiver may be a module (a guess)
    MODULE_STATE = "module-state"  # .zero_grad(), .load_state_dict(): the receiver holds parameters
    PARAMETERS = "parameters"  # iterator over parameters
    PARAMETER = "parameter"  # one parameter: model.get_parameter("fc.weight")
    FORWARD_HOOK = "forward-hook"  # hook(module, inputs, output) runs at each later forward
    FORWARD_PRE_HOOK = "forward-pre-hook"  # hook(module, inputs) runs before each later forward
    FROZEN_MODULE = "frozen-module"  # Embedding.from_pretrained(w): frozen unless freeze=False
    NAMED_PARAMETERS = "named-parameters"  # iterator over (name, parameter)
    STATE = "state"  # state_dict(): tensors that do not require grad
    TUPLE = "tuple"  # a tuple whose members have their own effects: see ``result_fields``
    OBJECT = "object"  # requires grad like PROPAGATE; its members have their own effects (distributions)
    RETURNS_ARGUMENT = "returns-argument"  # its first argument: prune.l1_unstructured(m, ...) is m
    CALLS_ARGUMENT = "calls-argument"  # what calling its first argument with the rest gives: checkpoint
    # torch.func.functional_call(model, params, args): the model run with the parameters given,
    # so computed from those and the inputs, not from the model's own parameters
    FUNCTIONAL_CALL = "functional-call"
    # --- grad mode
    GRAD_OFF = "grad-off"
    GRAD_ON = "grad-on"
    GRAD_SET = "grad-set"  # torch.set_grad_enabled(flag)
    # --- conversions to NumPy
    CONVERTS = "converts"  # a function that turns array-like arguments into arrays
    CONSUMER_FACTORY = "consumer-factory"  # returns an object whose methods convert
    CONVERTS_RESULT = "converts-result"  # scipy.optimize.minimize(fun, x0): converts what fun returns, and x0
    CONSUMER_PAIR_FACTORY = "consumer-pair-factory"  # (figure, axes): both convert
    FOREIGN = "foreign"  # another framework's tensors: .numpy() is theirs
    DEVICE = "device"  # torch.device("cuda"): the device its argument names
    ACCELERATOR_QUERY = "accelerator-query"  # torch.cuda.is_available(): False means nothing is on one
    DISPATCHES = "dispatches"  # np.squeeze(t): t's own method for a tensor, else a conversion
    REDUCES_BY_METHOD = "reduces-by-method"  # np.mean(t): TypeError for a tensor, else a conversion
    AUTOGRAD_FUNCTION = "autograd-function"  # its forward/backward run with grad off
    OPTIMIZER = "optimizer"  # holds the parameters it was given in .param_groups
    CONTEXT_MANAGER = "context-manager"  # @contextmanager: `with f() as x` binds what f yields
    LOADED = "loaded"  # read from disk: a tensor, a state dict or a model (a model if called)
    COPY = "copy"  # a copy (or compiled twin) of its first argument: deepcopy, jit.trace
    HOLDS_ARGUMENTS = "holds-arguments"  # an object that keeps what it is given: Rectangle(xy, w, h)
    NAMESPACE = "namespace"  # SimpleNamespace(model=m): an object whose attributes are its keywords
    # --- Python builtins
    ELEMENTS = "elements"  # list(x), sorted(x), next(iter(x)): x's elements
    ELEMENT = "element"  # next(it): one element
    MAPPING = "mapping"  # dict(pairs), dict(key=value): the values are the pairs' second items
    DEFAULT_MAPPING = "default-mapping"  # defaultdict(list, ...): a dict; its factory fills each new key
    MAP = "map"  # map(fn, xs): fn applied to each element
    REDUCE = "reduce"  # functools.reduce(fn, xs): fn applied to pairs of elements
    COLORMAP = "colormap"  # plt.get_cmap("jet"): a colormap, which converts what it is called with
    FILTER = "filter"  # filter(fn, xs): the elements fn keeps
    RECORD_TYPE = "record-type"  # namedtuple("Output", ["loss", "logits"]): a tuple type with names
    SUPER = "super"  # super(): the instance, seen from the class's bases
    PARTIAL = "partial"  # functools.partial(fn, *args, **kwargs): fn with arguments bound
    ZIP = "zip"  # zip(a, b): tuples of elements
    ENUMERATE = "enumerate"  # enumerate(a): (index, element)


COLORMAP_CLASS = "matplotlib.colors.Colormap"  # what plt.get_cmap gives: calling it converts

# Namespaces: every name under a prefix gets the effect unless listed exactly.
NAMESPACE_DEFAULTS: Mapping[str, Effect] = {
    "torch": Effect.PROPAGATE,
    "torch.nn.functional": Effect.PROPAGATE,
    "torch.nn": Effect.MODULE,
    "torchvision.models": Effect.MODULE,
    # torch subpackages whose functions are not tensor operations
    "torch.utils": Effect.NOT_TENSOR,
    "torch.cuda": Effect.NOT_TENSOR,
    "torch.backends": Effect.NOT_TENSOR,
    "torch.optim": Effect.NOT_TENSOR,
    "torch.distributed": Effect.NOT_TENSOR,
    "torch.onnx": Effect.NOT_TENSOR,
    "torch.hub": Effect.NOT_TENSOR,
    "torch.jit": Effect.NOT_TENSOR,
    "torch.multiprocessing": Effect.NOT_TENSOR,
    "torch.profiler": Effect.NOT_TENSOR,
    "numpy": Effect.CONVERTS,
    "matplotlib.pyplot": Effect.CONVERTS,
    # artists keep their coordinates until an axes takes them (ax.add_patch(rect) converts them;
    # checked with torch 2.13: Rectangle((t0, t1), w, h) of tensors that require grad does not raise)
    "matplotlib.patches": Effect.HOLDS_ARGUMENTS,
    "seaborn": Effect.CONVERTS,
    "sklearn.metrics": Effect.CONVERTS,
    # estimators and transformers: fit, predict, transform, score... turn their inputs into arrays
    **{f"sklearn.{package}": Effect.CONSUMER_FACTORY for package in """
        cluster covariance cross_decomposition decomposition discriminant_analysis ensemble
        gaussian_process kernel_approximation kernel_ridge linear_model manifold mixture
        naive_bayes neighbors neural_network preprocessing random_projection svm tree""".split()},
    "scipy": Effect.CONVERTS,
    "tensorflow": Effect.FOREIGN,
    "keras": Effect.FOREIGN,
    "jax": Effect.FOREIGN,
    "mxnet": Effect.FOREIGN,
    "paddle": Effect.FOREIGN,
    "cupy": Effect.FOREIGN,
}

# The probes call these on a float tensor with arguments that copy; the checker also means the
# calls that give back their receiver itself (x.to("cpu"), x.float() on float, x.real on a real
# tensor), which keep requires_grad even under no_grad.
_VIEWS = """
    to float type as_strided real imag
    squeeze_ unsqueeze_ share_memory_ pin_memory __getitem__
"""
_NOT_TENSORS = "is_cuda storage_offset __len__ __repr__ __str__ grad_fn"  # no probe: they need a
# CUDA build, print, or give objects

QUALIFIED: Dict[str, Effect] = {
    "torch.autograd.Variable": Effect.FACTORY,  # requires grad only with requires_grad=True
    # wrappers whose call runs the module they wrap (the derived table probes DataParallel around a
    # module without parameters): the wrapped module decides
    **{name: Effect.RETURNS_ARGUMENT for name in ("torch.nn.DataParallel", "torch.nn.parallel.DataParallel",
                                                  "torch.nn.parallel.DistributedDataParallel")},
    # gradients carry no graph unless create_graph=True (the probe passes its output as input)
    "torch.autograd.grad": Effect.STOP,
    "torch.autograd.Function": Effect.AUTOGRAD_FUNCTION,
    # the probe sees a view of the tensor it passes; the usual call is on data (a list, an array,
    # a parameter holding either), which gives a tensor without grad
    "torch.as_tensor": Effect.TO_TENSOR,
    "torch.asarray": Effect.TO_TENSOR,
    "torch.from_numpy": Effect.STOP,  # takes a NumPy array: nothing to probe with a grad tensor
    "torch.frombuffer": Effect.STOP,
    # whatever was saved: a tensor, a state dict or a model (a model only if it is called)
    "torch.load": Effect.LOADED,
    "torch.nn.Parameter": Effect.SOURCE,
    "torch.nn.parameter.Parameter": Effect.SOURCE,
    "torch.nn.Module": Effect.MODULE,  # a base class: Module() holds nothing, its subclasses do
    "torch.no_grad": Effect.GRAD_OFF,
    "torch.inference_mode": Effect.GRAD_OFF,
    "torch.autograd.no_grad": Effect.GRAD_OFF,
    "torch.autograd.grad_mode.no_grad": Effect.GRAD_OFF,
    "torch.autograd.grad_mode.inference_mode": Effect.GRAD_OFF,
    "torch.enable_grad": Effect.GRAD_ON,
    "torch.autograd.enable_grad": Effect.GRAD_ON,
    "torch.set_grad_enabled": Effect.GRAD_SET,
    "torch.autograd.set_grad_enabled": Effect.GRAD_SET,
    # never called by the probes: they change global state or touch files
    "torch.is_grad_enabled": Effect.NOT_TENSOR,
    "torch.device": Effect.DEVICE,
    "torch.cuda.is_available": Effect.ACCELERATOR_QUERY,
    "torch.backends.mps.is_available": Effect.ACCELERATOR_QUERY,
    "torch.xpu.is_available": Effect.ACCELERATOR_QUERY,
    "torch.manual_seed": Effect.NOT_TENSOR,
    "torch.save": Effect.NOT_TENSOR,
    "torch.hub.load": Effect.LOADED,
    "torch.jit.load": Effect.LOADED,
    "torch.jit.script": Effect.COPY,
    "torch.jit.trace": Effect.COPY,
    "torch.compile": Effect.COPY,
    "torch.nn.Embedding.from_pretrained": Effect.FROZEN_MODULE,
    "torch.nn.EmbeddingBag.from_pretrained": Effect.FROZEN_MODULE,
    "functools.partial": Effect.PARTIAL,
    # function transforms: calling what they give calls the function they are given, and what
    # comes out (batched, a Jacobian, a gradient) requires grad where its output does, through
    # the parameters it uses (checked with torch 2.13, a linear layer's included)
    **{f"torch.func.{name}": Effect.PARTIAL for name in ("vmap", "jacrev", "jacfwd", "hessian", "grad")},
    "torch.func.functional_call": Effect.FUNCTIONAL_CALL,
    "torch.nn.utils.stateless.functional_call": Effect.FUNCTIONAL_CALL,
    "functools.reduce": Effect.REDUCE,
    "matplotlib.pyplot.get_cmap": Effect.COLORMAP,
    "matplotlib.cm.get_cmap": Effect.COLORMAP,
    COLORMAP_CLASS: Effect.CONVERTS,  # cmap(cam): NumPy's array of the values, then colors
    # the operator module's arithmetic, as the operators themselves (reduce(operator.add, masks))
    **{f"operator.{name}": Effect.PROPAGATE for name in """add sub mul truediv floordiv matmul pow neg pos abs
        iadd isub imul itruediv imatmul""".split()},
    "torch.vmap": Effect.PARTIAL,
    "collections.namedtuple": Effect.RECORD_TYPE,
    "types.SimpleNamespace": Effect.NAMESPACE,
    "argparse.Namespace": Effect.NAMESPACE,
    # solvers that call the function they are given (first) and turn what it returns into an
    # array (checked with torch 2.13: each raises when it returns a tensor that requires grad;
    # scipy.integrate.quad takes float() of it, which does not)
    **{f"scipy.optimize.{name}": Effect.CONVERTS_RESULT for name in """minimize minimize_scalar
        least_squares root fsolve curve_fit differential_evolution basinhopping dual_annealing
        brentq""".split()},
    "scipy.integrate.solve_ivp": Effect.CONVERTS_RESULT,
    "scipy.integrate.odeint": Effect.CONVERTS_RESULT,
    "collections.defaultdict": Effect.DEFAULT_MAPPING,
    "collections.OrderedDict": Effect.MAPPING,
    "typing.NamedTuple": Effect.RECORD_TYPE,
    "contextlib.contextmanager": Effect.CONTEXT_MANAGER,
    "copy.deepcopy": Effect.COPY,
    "copy.copy": Effect.COPY,
    "timm.create_model": Effect.MODULE,
    "pytorch_lightning.LightningModule": Effect.MODULE,
    "lightning.pytorch.LightningModule": Effect.MODULE,
    "lightning.LightningModule": Effect.MODULE,
    "matplotlib.pyplot.subplots": Effect.CONSUMER_PAIR_FACTORY,
    "matplotlib.pyplot.figure": Effect.CONSUMER_FACTORY,
    "matplotlib.pyplot.gca": Effect.CONSUMER_FACTORY,
    "matplotlib.pyplot.gcf": Effect.CONSUMER_FACTORY,
    "matplotlib.pyplot.subplot": Effect.CONSUMER_FACTORY,
    "matplotlib.pyplot.axes": Effect.CONSUMER_FACTORY,
    "pandas.DataFrame": Effect.CONVERTS,
    "pandas.Series": Effect.CONVERTS,
    "pandas.Index": Effect.CONVERTS,
    "torch.optim.Optimizer": Effect.OPTIMIZER,
    "numpy.random.seed": Effect.NOT_TENSOR,
    # these read a tensor's shape or call float() on it, which only warns
    "numpy.shape": Effect.NOT_TENSOR,
    "numpy.ndim": Effect.NOT_TENSOR,
    "numpy.size": Effect.NOT_TENSOR,
    "numpy.isscalar": Effect.NOT_TENSOR,
    "numpy.float64": Effect.NOT_TENSOR,
    # NumPy's random generators: each method converts what it is given (rng.choice(n, p=probs))
    "numpy.random.default_rng": Effect.CONSUMER_FACTORY,
    "numpy.random.Generator": Effect.CONSUMER_FACTORY,
    "numpy.random.RandomState": Effect.CONSUMER_FACTORY,
}

# ``from M import *`` of these modules: the namespace the file's free names then come from, and
# the builtins the star import rebinds (``sum``, ``max``... become NumPy's; checked with NumPy 2.4
# and matplotlib 3.11: pylab's are NumPy's).  ``%pylab inline`` in a notebook is ``from pylab import *``.
_NUMPY_SHADOWED_BUILTINS = frozenset("abs all any max min pow round sum".split())
STAR_IMPORTS: Mapping[str, Tuple[str, FrozenSet[str]]] = {
    "numpy": ("numpy", _NUMPY_SHADOWED_BUILTINS),
    "pylab": ("matplotlib.pyplot", _NUMPY_SHADOWED_BUILTINS),
    "matplotlib.pylab": ("matplotlib.pyplot", _NUMPY_SHADOWED_BUILTINS),
    "matplotlib.pyplot": ("matplotlib.pyplot", frozenset()),
}
STAR_SHADOWED_FROM = "numpy"  # where the rebound builtins live

# NumPy functions that hand a tensor to its own method or attribute (NumPy's ``_wrapfunc``:
# ``np.squeeze(t)`` is ``t.squeeze()``, a tensor on the same device, still in the graph); any
# other argument (a list of tensors) is converted.  tests/test_derived_api.py runs each.
NUMPY_DISPATCHES: Mapping[str, str] = {
    "numpy.squeeze": "squeeze",
    "numpy.swapaxes": "swapaxes",
    "numpy.nonzero": "nonzero",
    "numpy.argwhere": "argwhere",
    "numpy.shape": "shape",
    "numpy.ndim": "ndim",
}
QUALIFIED.update((name, Effect.DISPATCHES) for name in NUMPY_DISPATCHES)
# NumPy's reductions call a tensor's own method with NumPy's keywords (``np.mean(t)`` is
# ``t.mean(axis=None, dtype=None, out=None)``), which torch refuses with a TypeError, so a tensor
# is never converted there, requiring grad or not; a list of tensors is (``np.mean(losses)``).
# tests/test_derived_api.py derives the list from NumPy's fromnumeric module.
NUMPY_REDUCTIONS_BY_METHOD: FrozenSet[str] = frozenset(
    f"numpy.{name}" for name in "all amax amin any max mean min prod std sum var".split())
QUALIFIED.update((name, Effect.REDUCES_BY_METHOD) for name in NUMPY_REDUCTIONS_BY_METHOD)
# The legacy constructors: torch.Tensor(16, 784) makes a new tensor on the host (never requiring
# grad), which .to(device) moves; the types they are, isinstance() reads from TENSOR_TYPES.
QUALIFIED.update((f"torch.{kind}Tensor", Effect.FACTORY) for kind in
                 ["", *"Float Double Half BFloat16 Long Int Short Char Byte Bool".split()])

# What iterates a model's parts (``for name, layer in model.named_modules():``), and whether it
# gives (name, part) pairs: a part holds the model's parameters, and a hook registered on it
# runs at the model's calls.
MODULE_PART_ITERATORS: Mapping[str, bool] = {"modules": False, "children": False, "named_modules": True,
                                             "named_children": True}
# ... those that give the model itself first, then every part, nested ("", "encoder", "encoder.0").
RECURSIVE_PART_ITERATORS: FrozenSet[str] = frozenset({"modules", "named_modules"})

# Methods and attributes of tensors and modules, by name.
MEMBERS: Dict[str, Effect] = {
    **{name: Effect.VIEW for name in _VIEWS.split()},
    **{name: Effect.NOT_TENSOR for name in _NOT_TENSORS.split()},
    "tolist": Effect.NUMBER_LIST,
    # buffers and parameters of a module whose class is not known (a model of the file):
    # the derived table has them per nn class
    "running_mean": Effect.STOP,
    "running_var": Effect.STOP,
    "num_batches_tracked": Effect.STOP,
    "weight": Effect.SOURCE,
    "bias": Effect.SOURCE,
    "requires_grad_": Effect.SOURCE,  # the probe sees a tensor that already requires grad
    "grad": Effect.STOP,  # None before backward, where the probe looks; a tensor without grad after
    "indices": Effect.INTEGER,  # of a (values, indices) result the checker did not type
    "eval": Effect.MODULE_USE,
    "train": Effect.MODULE_USE,
    "zero_grad": Effect.MODULE_STATE,
    "load_state_dict": Effect.MODULE_STATE,
    **{name: Effect.MODULE_USE for name in MODULE_PART_ITERATORS},
    "parameters": Effect.PARAMETERS,
    "get_parameter": Effect.PARAMETER,
    "register_forward_hook": Effect.FORWARD_HOOK,
    "register_forward_pre_hook": Effect.FORWARD_PRE_HOOK,
    "named_parameters": Effect.NAMED_PARAMETERS,
    "state_dict": Effect.STATE,
    "buffers": Effect.STATE,
    "named_buffers": Effect.STATE,
}

BUILTINS: Mapping[str, Effect] = {
    **{
        name: Effect.NOT_TENSOR
        for name in """float int bool str repr len print range isinstance issubclass hasattr
        type id hash format open input chr ord round callable vars dir""".split()
    },
    "abs": Effect.PROPAGATE,
    "sum": Effect.PROPAGATE,
    "max": Effect.PROPAGATE,
    "min": Effect.PROPAGATE,
    "pow": Effect.PROPAGATE,
    "list": Effect.ELEMENTS,
    "tuple": Effect.ELEMENTS,
    "set": Effect.ELEMENTS,
    "frozenset": Effect.ELEMENTS,
    "sorted": Effect.ELEMENTS,
    "reversed": Effect.ELEMENTS,
    "iter": Effect.ELEMENTS,
    "dict": Effect.MAPPING,
    "zip": Effect.ZIP,
    "enumerate": Effect.ENUMERATE,
    "super": Effect.SUPER,
    "next": Effect.ELEMENT,
    "map": Effect.MAP,
    "filter": Effect.FILTER,
    # getattr(obj, "name", default): the walk passes on the object's and the default's facts (not
    # converters: nothing is called through it); the interpreter reads the attribute (ATTRIBUTE_GETTER)
    "getattr": Effect.PROPAGATE,
}
# Tensor attributes that tell whether it is on an accelerator (``if x.is_cuda:``): where the
# test fails, the code runs without one, as where torch.cuda.is_available() is false.
ACCELERATOR_TESTS: FrozenSet[str] = frozenset({"is_cuda", "is_mps", "is_xpu"})
# Builtins that copy their argument's elements in order: list(xs) of a list whose elements are
# known holds the same elements at the same positions.
ORDER_KEEPING_COPIES: FrozenSet[str] = frozenset({"list", "tuple"})
# getattr(obj, "name", default): obj.name, or the default (see BUILTINS).
ATTRIBUTE_GETTER = "getattr"
# Context managers: entered by hand (`cm.__enter__()`), or on an ExitStack (`stack.enter_context(cm)`).
ENTER_METHODS: FrozenSet[str] = frozenset({"__enter__", "enter_context"})
EXIT_METHOD = "__exit__"
# Where a context-manager value keeps what `with ... as x` binds (see Value.attributes).
ENTER_VALUE = "__enter__"
# The keyword through which sorted(), min(), max() call a function on each element.
CALLBACK_KEYWORD = "key"

# Packages whose import shows that a file uses torch tensors (DET103 is silent elsewhere).
TORCH_PACKAGES: FrozenSet[str] = frozenset(
    """torch torchvision torchaudio torchtext pytorch_lightning lightning timm torchmetrics
    transformers diffusers accelerate detectron2 kornia""".split()
)

# Where the analysis keeps a module's hooks (a pseudo-attribute: they travel with the module).
HOOK_ATTRIBUTES: Mapping[Effect, str] = {
    Effect.FORWARD_HOOK: "__forward_hooks__",
    Effect.FORWARD_PRE_HOOK: "__forward_pre_hooks__",
}
# Where the analysis notes, for a name bound to a model's submodule (``layer = model.layer4``)
# or to the model itself, the model's own name: hooks registered through it run at its calls.
MODULE_OWNER_ATTRIBUTE = "__module_owner__"
ELEMENT_OF_ATTRIBUTE = "__element_of__"  # a loop variable bound to an element of a module container

# range(n), range(start, stop): with constant bounds, a loop over it runs at least n times.
RANGE_FUNCTION = "builtins.range"
LEN_FUNCTION = "builtins.len"

# What register_forward_hook returns: a handle whose remove() unregisters the hook (the
# analysis keeps, under this pseudo-attribute, where the hooks are and which hook it registered).
HOOK_HANDLE_ATTRIBUTE = "__hook_handle__"
HOOK_REMOVE_METHOD = "remove"

# Modules made of the parts they are given, and how they are given: each positional argument
# (nn.Sequential(a, b)), the elements of the first (nn.ModuleList([a, b])), the values of a dict
# (nn.ModuleDict({"a": a})).  Iterating or indexing one gives one of those parts.
PARTS_GIVEN_AS_ARGUMENTS = "arguments"
PARTS_GIVEN_AS_ELEMENTS = "elements"
MODULE_CONTAINERS: Mapping[str, str] = {
    "torch.nn.Sequential": PARTS_GIVEN_AS_ARGUMENTS,
    "torch.nn.modules.container.Sequential": PARTS_GIVEN_AS_ARGUMENTS,
    "torch.nn.ModuleList": PARTS_GIVEN_AS_ELEMENTS,
    "torch.nn.modules.container.ModuleList": PARTS_GIVEN_AS_ELEMENTS,
    "torch.nn.ModuleDict": PARTS_GIVEN_AS_ELEMENTS,
    "torch.nn.modules.container.ModuleDict": PARTS_GIVEN_AS_ELEMENTS,
}

# Views of an nn.ModuleDict's parts, as a dict's: items() (name, part) pairs, values() the parts.
MODULE_DICT_VIEWS: FrozenSet[str] = frozenset({"items", "values"})

# Methods of nn.Module, nn.Sequential and nn.ModuleList that add a part, and the position of
# the argument that holds it (extend: a list of parts): a frozen model with a new trainable part
# gives outputs that require grad again.
MODULE_PART_ADDERS: Mapping[str, int] = {"add_module": 1, "register_module": 1, "append": 0, "insert": 1,
                                         "extend": 0}
MODULE_PART_LIST_ADDERS: FrozenSet[str] = frozenset({"extend"})
# nn.Module methods that return the module itself.
MODULE_RETURNS_SELF: FrozenSet[str] = frozenset(
    "to cuda cpu xpu double float half bfloat16 type eval train share_memory apply".split()
)
FREEZE_KEYWORD = "freeze"

# nn.Module methods by the most positional arguments their signatures take: an object whose
# ``.eval(dataset)`` takes an argument is an evaluator, not a module (``train(mode=True)``).
MODULE_METHOD_MAX_ARGUMENTS: Mapping[str, int] = {"eval": 0, "train": 1}

# Methods of nn.Module subclasses that frameworks (PyTorch Lightning) run with grad off.
GRAD_OFF_HOOKS: FrozenSet[str] = frozenset({"validation_step", "test_step", "predict_step"})

# dtypes whose tensors can never require grad: `.to(torch.long)`, `.type(torch.int64)`.
INTEGER_DTYPES: FrozenSet[str] = frozenset(
    """long int int8 int16 int32 int64 uint8 uint16 uint32 uint64 bool short
    LongTensor IntTensor BoolTensor ByteTensor ShortTensor""".split()
)

# The call that tells whether grad mode is on: `if torch.is_grad_enabled():`.
GRAD_MODE_QUERY = "torch.is_grad_enabled"
# Tests that tell a torch tensor from other values, for narrowing on each path of a branch:
# `isinstance(x, torch.Tensor)`, `torch.is_tensor(x)`, `hasattr(x, "detach")`.
TYPE_TEST = "builtins.isinstance"
TENSOR_TESTS: FrozenSet[str] = frozenset({"torch.is_tensor"})
ATTRIBUTE_TEST = "builtins.hasattr"
TENSOR_TYPES: FrozenSet[str] = frozenset(
    """torch.Tensor torch.nn.Parameter torch.nn.parameter.Parameter torch.FloatTensor
    torch.DoubleTensor torch.HalfTensor torch.BFloat16Tensor""".split()
)
# Attributes that among convertible values only torch tensors have (TensorFlow's have .numpy()).
TENSOR_ONLY_ATTRIBUTES: FrozenSet[str] = frozenset({"detach", "requires_grad", "grad_fn", "cpu"})
# Packages none of whose types is a torch tensor: `isinstance(x, (list, np.ndarray))`.
NON_TENSOR_TYPE_ROOTS: FrozenSet[str] = frozenset({"builtins", "numpy", "pandas", "numbers"})
# The name of the keyword that makes a factory's tensor require grad.
REQUIRES_GRAD_KEYWORD = "requires_grad"
# The explicit conversion, and its keyword that detaches by itself (torch >= 1.13).
NUMPY_METHOD = "numpy"
FORCE_KEYWORD = "force"
# Methods that move a tensor or a module, and the device type they move it to (None: the one
# their argument names, ``.to(device)``); in the fixed chain they belong after ``.detach()``.
MOVE_METHOD = "to"  # as a statement, a module's move (a tensor's .to() makes a copy)
DEVICE_MOVES: Mapping[str, Optional[str]] = {"cpu": "cpu", "cuda": "cuda", "xpu": "xpu", MOVE_METHOD: None,
                                             "type": None}
# Where a factory or a move is told its device, and how a tensor says where it lives.
DEVICE_KEYWORD = "device"
DEVICE_ATTRIBUTE = "device"
HOST_DEVICE = "cpu"
# Device types whose tensors NumPy cannot read (``.numpy()`` raises "can't convert cuda:0 device
# type tensor to numpy").
ACCELERATOR_DEVICES: FrozenSet[str] = frozenset("cuda mps xpu hpu npu xla mtia ipu".split())


def legacy_type_device(name: Optional[str]) -> Optional[str]:
    """The device a legacy tensor type names, for ``t.type(torch.FloatTensor)`` (the host) or
    ``t.type(torch.cuda.FloatTensor)`` (CUDA); None for anything else (a dtype)."""
    if not name or not name.endswith("Tensor") or not name.startswith("torch."):
        return None
    return "cuda" if name.startswith("torch.cuda.") else HOST_DEVICE


@functools.lru_cache(maxsize=None)
def whole_words(markers: FrozenSet[str]) -> "re.Pattern[str]":
    """The markers where they are words of their own: "cuda:0", .cuda(), use_cuda, torch.cuda;
    not inside a longer lower-case name ("inputs" does not name an NPU, nor "dumps" MPS)."""
    return re.compile(f"(?<![a-z])({'|'.join(sorted(map(re.escape, markers)))})(?![a-z])")


ACCELERATOR_NAME = whole_words(ACCELERATOR_DEVICES)


def names_accelerator(text: str) -> Optional[bool]:
    """True for "cuda", "cuda:1", "mps"; False for "cpu"; None for text that names no device
    (matched at the start: a docstring is not split to find out)."""
    named = _DEVICE_STRING.match(text)
    if named is None:
        return None
    return named.group(1) != HOST_DEVICE


# A device type alone or before ":index", as torch reads it.
_DEVICE_STRING = re.compile(rf"\s*({'|'.join(sorted(ACCELERATOR_DEVICES | {HOST_DEVICE}))})\s*(?::|\Z)")


# Losses whose result has no dimensions unless told ``reduction="none"``: the subclasses of
# torch.nn.modules.loss._Loss and the torch.nn.functional functions that take ``reduction``
# (tests/test_derived_api.py finds them again in torch).
REDUCTION_KEYWORD = "reduction"
# Reductions whose first argument after the tensor is the dim: with none given, the result has
# no dimensions (x.mean(), torch.sum(x)), and indexing it (loss.data[0]) raises IndexError.
FULL_REDUCTIONS: FrozenSet[str] = frozenset("mean sum prod std var nansum nanmean amax amin".split())
UNREDUCED = "none"
REDUCED_BY_DEFAULT: FrozenSet[str] = frozenset(
    f"torch.nn.{name}" for name in """BCELoss BCEWithLogitsLoss CTCLoss CosineEmbeddingLoss CrossEntropyLoss
    GaussianNLLLoss HingeEmbeddingLoss HuberLoss KLDivLoss L1Loss LinearCrossEntropyLoss MSELoss
    MarginRankingLoss MultiLabelMarginLoss MultiLabelSoftMarginLoss MultiMarginLoss NLLLoss NLLLoss2d
    PoissonNLLLoss SmoothL1Loss SoftMarginLoss TripletMarginLoss TripletMarginWithDistanceLoss""".split()
) | frozenset(
    f"torch.nn.functional.{name}" for name in """binary_cross_entropy binary_cross_entropy_with_logits
    cosine_embedding_loss cross_entropy ctc_loss gaussian_nll_loss hinge_embedding_loss huber_loss kl_div
    l1_loss linear_cross_entropy margin_ranking_loss mse_loss multi_margin_loss multilabel_margin_loss
    multilabel_soft_margin_loss nll_loss poisson_nll_loss smooth_l1_loss soft_margin_loss
    triplet_margin_loss triplet_margin_with_distance_loss""".split()
)

# Names the analysis looks for on modules and tensors (its API knowledge lives here, nowhere else).
FORWARD_METHOD = "forward"  # what calling a module runs
# Fn.apply(x) of a torch.autograd.Function subclass runs its forward (grad off); the outputs
# require grad when an input does.
AUTOGRAD_APPLY_METHOD = "apply"
INSTANCE_CALL_METHOD = "__call__"  # what calling any other instance runs
MODULE_CALL_METHODS: FrozenSet[str] = frozenset({FORWARD_METHOD, INSTANCE_CALL_METHOD})
MODE_SWITCHES: FrozenSet[str] = frozenset({"eval", "train"})  # return the module itself
PARAMETERS_METHOD = "parameters"  # `for p in model.parameters(): p.requires_grad = False`
NAMED_PARAMETERS_METHOD = "named_parameters"  # `for name, p in model.named_parameters(): ...`
REGISTER_BUFFER_METHOD = "register_buffer"  # self.register_buffer("name", t) sets self.name
REQUIRES_GRAD_METHOD = "requires_grad_"
KEEP_VARS_KEYWORD = "keep_vars"  # state_dict(keep_vars=True) gives the parameters themselves
GRAD_ATTRIBUTE = "grad"
ITERATOR_METHOD = "__iter__"  # ``for x in sampler``: what the object's __iter__ yields
ITEM_METHOD = "__getitem__"  # ``forecast[0.5]``: what the object's __getitem__ returns
RECORD_REPLACE_METHOD = "_replace"  # hyp._replace(score=s): a namedtuple with those fields replaced
# backward(create_graph=True) and torch.autograd.backward(..., create_graph=True) leave gradients
# with a graph in each tensor's .grad; torch.autograd.grad(..., create_graph=True) returns them and
# leaves .grad alone (checked with torch 2.13: a later backward() fills .grad without a graph).
GRAD_FILLING_METHODS: FrozenSet[str] = frozenset({"backward"})
GRAD_FILLING_FUNCTIONS: FrozenSet[str] = frozenset({"torch.autograd.backward"})
# SciPy's sparse matrices and their constructors: ``adjacency @ t`` and ``adjacency.dot(t)``
# convert the tensor (checked with SciPy 1.16: a tensor that requires grad raises there).
SPARSE_MATRIX_MAKERS: FrozenSet[str] = frozenset(f"scipy.sparse.{name}" for name in """
    csr_matrix csc_matrix coo_matrix lil_matrix dok_matrix bsr_matrix dia_matrix csr_array csc_array
    coo_array lil_array dok_array bsr_array dia_array diags diags_array eye eye_array identity random
    random_array block_diag kron""".split())
# NumPy functions whose result holds the objects it was given (an object array of plot axes,
# np.atleast_1d(axes)); the other functions compute from them.
NUMPY_OBJECT_HOLDERS: FrozenSet[str] = frozenset(
    f"numpy.{name}" for name in "array asarray atleast_1d atleast_2d atleast_3d ravel reshape squeeze".split())
# What differentiates a tensor (the receiver of the method; the functions' first argument): it
# raises unless the tensor requires grad ("element 0 of tensors does not require grad", checked
# with torch 2.13), so a program that runs past it shows that what it was given did.
DIFFERENTIATING_METHOD = "backward"
DIFFERENTIATING_FUNCTIONS: FrozenSet[str] = frozenset({"torch.autograd.backward", "torch.autograd.grad"})
CREATE_GRAPH_KEYWORD = "create_graph"
DIM_KEYWORD = "dim"  # max(dim=1) gives (values, indices)
MAX_LIKE_FIELDS = ("values", "indices")

# How messages name a library's functions: np.asarray, plt.plot.
CONVENTIONAL_ALIASES: Mapping[str, str] = {"numpy": "np", "matplotlib.pyplot": "plt", "pandas": "pd", "seaborn": "sns"}
# A tensor method called through the class: torch.Tensor.numpy(t).
TENSOR_CLASS_PREFIX = "torch.Tensor."

# Python's containers, as the analysis follows them.
CONTAINER_ELEMENT_METHODS: FrozenSet[str] = frozenset({"pop", "get", "popitem", "setdefault"})
ELEMENT_HOLDER_METHODS: FrozenSet[str] = frozenset({"setdefault", "get"})  # give an element to mutate
CONTAINER_ITEMS_METHOD = "items"
CONTAINER_COPY_METHODS: FrozenSet[str] = frozenset({"values", "copy"})
MAPPING_COPY_METHOD = "copy"  # a dict's copy keeps its keys; values() gives its entries
CONTAINER_ADDERS: FrozenSet[str] = frozenset({"append", "add", "insert"})  # one entry
CONTAINER_EXTENDERS: FrozenSet[str] = frozenset({"extend", "update"})  # the entries of another
DICT_UPDATERS: FrozenSet[str] = frozenset({"update"})  # entries by key: d.update(loss=x), d.update({"k": v})
# Decorators that hand the function to nothing that calls it with other arguments.
NOT_ESCAPING_DECORATORS: FrozenSet[str] = frozenset({"staticmethod", "classmethod", "property"})
# Methods whose receiver changes, called as statements (a module's .to() moves the module).
RECEIVER_MUTATORS: FrozenSet[str] = CONTAINER_ADDERS | CONTAINER_EXTENDERS | {
    REQUIRES_GRAD_METHOD, REGISTER_BUFFER_METHOD, MOVE_METHOD}


def is_in_place(method: str) -> bool:
    """``w.add_(u)``, ``t.copy_(u)``: torch's in-place methods end with an underscore."""
    return method.endswith("_") and not method.startswith("_") and method != REQUIRES_GRAD_METHOD


# An optimizer's parameter groups: dicts whose "params" entry holds parameters, the rest numbers.
PARAM_GROUPS = "param_groups"
PARAMS_KEY = "params"
# Everything the derived table describes lives under this package.
DERIVED_ROOT = "torch"

# Libraries that keep a list of tensors as objects (pandas' object columns) and
# convert only a tensor handed to them directly.
CONVERT_ONLY_TENSORS: FrozenSet[str] = frozenset({"pandas"})

# NumPy functions whose result is an ndarray whatever they are given, never a NumPy scalar (so
# np.mean, np.float32 and the reductions are not here).  A tensor that requires grad met with an
# ndarray in arithmetic (``output - target``) or stored into a slice of one (``preds[a:b] = out``)
# is converted; with a NumPy scalar (``np.float64``) it stays a tensor.  Checked with torch 2.13.
NUMPY_ARRAY_MAKERS: FrozenSet[str] = frozenset(f"numpy.{name}" for name in """
    array asarray asanyarray ascontiguousarray asfortranarray copy zeros ones empty full
    zeros_like ones_like empty_like full_like arange linspace logspace geomspace eye identity
    concatenate stack vstack hstack dstack column_stack tile diag tril triu outer loadtxt
""".split())
# NumPy's random functions give an ndarray when given a size (``np.random.rand(32, 1)``,
# ``np.random.normal(0, 1, size=8)``) and a float without one: the position of the size, or of
# the first dimension, among the positional arguments (``size=`` counts too).
NUMPY_SIZED_ARRAY_MAKERS: Mapping[str, int] = {
    **{f"numpy.random.{name}": 0 for name in "rand randn random random_sample standard_normal".split()},
    **{f"numpy.random.{name}": 1 for name in "choice poisson exponential".split()},
    **{f"numpy.random.{name}": 2 for name in "normal uniform randint binomial beta gamma".split()},
}
ARRAY_SIZE_KEYWORD = "size"
# An ndarray's methods that give an ndarray again (``target.reshape(-1, 1)``); the others may give
# a NumPy scalar (``arr.mean()``), and so may indexing it with no slice (``arr[0]``).
ARRAY_METHODS: FrozenSet[str] = frozenset("reshape astype copy flatten ravel transpose swapaxes clip".split())


DERIVED_FILE = Path(__file__).with_name("torch_api_derived.json")

Fields = Tuple[Tuple[str, Effect], ...]


class Derived(NamedTuple):
    """The derived table, as read from ``DERIVED_FILE``."""

    torch_version: str
    qualified: Dict[str, Effect]
    members: Dict[str, Effect]
    fields: Dict[str, Fields]  # TUPLE results: (field name or "", effect) in order
    classes: Dict[str, Dict[str, Effect]]  # members of instances: parameters, buffers, rsample...


def _names_by_effect(groups: Mapping[str, str], prefix: str = "") -> Dict[str, Effect]:
    return {f"{prefix}{name}": Effect(code) for code, names in groups.items() for name in names.split()}


@functools.lru_cache(maxsize=None)
def derived() -> Derived:
    """Read once, on the first look-up: importing the plugin does not pay for it."""
    data = json.loads(DERIVED_FILE.read_text(encoding="utf-8"))
    tables = [_names_by_effect(table) for table in data["class_members"]]
    return Derived(
        torch_version=data["torch_version"],
        qualified={name: effect for namespace, groups in data["qualified"].items()
                   for name, effect in _names_by_effect(groups, f"{namespace}.").items()},
        members=_names_by_effect(data["members"]),
        fields={name: tuple((field, Effect(code)) for field, code in (item.split(":") for item in text.split()))
                for name, text in data["fields"].items()},
        classes={name: tables[index] for name, index in data["classes"].items()},
    )


def derived_effect(name: str) -> Optional[Effect]:
    return derived().qualified.get(name)


def derived_member_effect(name: str) -> Optional[Effect]:
    return derived().members.get(name)


# Library models whose output is a list of dicts, one per image, by where their constructors
# live: the entries that are integer tensors (class ids), which can never require grad.  The
# other entries (boxes, scores, masks) are the model's output.
MODEL_OUTPUT_INTEGER_ENTRIES: Mapping[str, FrozenSet[str]] = {
    "torchvision.models.detection": frozenset({"labels"}),
}


def integer_output_entries(constructor: str) -> FrozenSet[str]:
    """The integer entries of the per-image dicts a model made by ``constructor`` gives."""
    for namespace in _enclosing_namespaces(constructor):
        if namespace in MODEL_OUTPUT_INTEGER_ENTRIES:
            return MODEL_OUTPUT_INTEGER_ENTRIES[namespace]
    return frozenset()


def _enclosing_namespaces(name: str) -> Iterator[str]:
    """``torch.nn``, then ``torch``, for ``torch.nn.Linear``: the innermost first."""
    while "." in name:
        name = name.rsplit(".", 1)[0]
        yield name


def effect_of_qualified_name(name: str) -> Optional[Effect]:
    """The effect of a fully qualified callable: an exact entry, a derived one, or its namespace's."""
    exact = QUALIFIED.get(name)
    if exact is not None:
        return exact
    if name.startswith(DERIVED_ROOT):
        found = derived_effect(name)
        if found is not None:
            return found
    for namespace in _enclosing_namespaces(name):
        default = NAMESPACE_DEFAULTS.get(namespace)
        if default is not None:
            return _namespace_effect(default, name)
    return NAMESPACE_DEFAULTS.get(name)


def member_effect(name: str, owner: Optional[str] = None) -> Optional[Effect]:
    """The effect of ``value.name``: from the table of the value's class when it is known
    (``torch.distributions.Normal``: ``sample``, ``torch.nn.LSTM``: ``weight_ih_l0``), else by name."""
    if owner is not None and owner.startswith(DERIVED_ROOT):
        own = derived().classes.get(owner, {}).get(name)
        if own is not None:
            return own
    exact = MEMBERS.get(name)
    return exact if exact is not None else derived_member_effect(name)


def parameters_of(owner: str) -> Optional[FrozenSet[str]]:
    """The parameters of a library layer of class ``owner`` (``torch.nn.Embedding``: weight), when
    they are all it trains: None for a class the table does not know or one with parts of its own
    (``MultiheadAttention.out_proj``)."""
    members = derived().classes.get(owner)
    if not members or Effect.MODULE in members.values():
        return None
    return frozenset(name for name, effect in members.items() if effect is Effect.SOURCE)


def result_fields(name: str) -> Fields:
    """The members of a TUPLE result, by qualified name or method name."""
    return derived().fields.get(name, ())


def _namespace_effect(default: Effect, name: str) -> Effect:
    last = name.rsplit(".", 1)[-1]
    if default is Effect.MODULE and not last[:1].isupper() and name.startswith("torch.nn."):
        # torch.nn.init, torch.nn.utils...: functions, not layers
        return Effect.PROPAGATE
    if name.startswith("torch.optim.") and name.count(".") == 2 and last[:1].isupper():
        return Effect.OPTIMIZER  # torch.optim.SGD(params): not torch.optim.lr_scheduler.StepLR
    if default is Effect.PROPAGATE and last[:1].isupper():
        # torch.Tensor, torch.Size, torch.Generator...: types, not results
        return Effect.NOT_TENSOR
    return default

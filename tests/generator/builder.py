"""Writing a program: blocks of statements, fresh names, imports, and the context flows share.

A *flow* is one value's journey from where it is made to where it is converted; a program is
a few flows over a shared context (inputs, a model, a loss, an optimizer), created the first
time a flow asks for them.  ``Val`` is the generator's view of a value: the expression that
computes it and what the generator needs to keep the program runnable (shape, dtype, whether
it is a list of tensors...).  Whether it requires grad is never decided here: the labeller
runs the program to know.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

from .program import SHARED, Line, Program

Shape = Optional[Tuple[int, ...]]  # None: a tensor of unknown shape (a parameter from a loop)

# Kinds of values
TENSOR = "tensor"
NUMBER = "number"  # a Python float
ARRAY = "array"  # a NumPy array
TENSORS = "tensors"  # a list of tensors of one shape
NUMBERS = "numbers"  # a list of Python floats
# Tensor dtypes
FLOAT, LONG, BOOL = "float", "long", "bool"

INPUT_SHAPE = (4, 3)


@dataclass(frozen=True)
class Val:
    expr: str
    shape: Shape = INPUT_SHAPE
    kind: str = TENSOR
    dtype: str = FLOAT
    grad: Optional[bool] = None  # the generator's guess, only to keep programs runnable
    leaf: bool = False  # a leaf tensor: no in-place operation on it while it may require grad
    atom: bool = True  # ``expr`` needs no parentheses before ``.method()``
    tags: FrozenSet[str] = frozenset()  # constructs written in ``expr``, not yet on any line
    noun: str = "out"  # what to call it when it gets a name
    inference: bool = False  # made under inference_mode: autograd must not save it
    in_hook: bool = False  # a hook's view of a layer output: calling the model on it would recurse
    own: bool = False  # a name this flow bound here, which it may bind again (``out = out.detach()``)

    @property
    def receiver(self) -> str:
        return self.expr if self.atom else f"({self.expr})"

    @property
    def is_float_tensor(self) -> bool:
        return self.kind == TENSOR and self.dtype == FLOAT

    @property
    def rank(self) -> Optional[int]:
        return None if self.shape is None else len(self.shape)

    def then(self, expr: str, *tags: str, atom: bool = True, **changes: object) -> "Val":
        """A value computed from this one by ``expr``."""
        settings: Dict[str, object] = {"leaf": False, "own": False, **changes}
        tags_now = self.tags | frozenset(tags)
        return replace(self, expr=expr, atom=atom, tags=tags_now, **settings)  # type: ignore[arg-type]


@dataclass
class Block:
    """Where statements go: a list of lines at one depth, and what holds around them."""

    builder: "Builder"
    lines: List[Line]
    depth: int
    in_function: bool = False
    in_loop: bool = False
    loop_variable: Optional[str] = None
    grad: Optional[bool] = True  # the grad mode the generator expects here (None: unknown)
    module_level: bool = True
    may_return: bool = True  # a ``return`` may hand back a result here (not in a forward hook)

    def emit(self, text: str, *tags: str, values: Sequence[Val] = ()) -> None:
        """Write one statement; the constructs of the values written into it join its tags."""
        all_tags = frozenset(tags).union(*(value.tags for value in values))
        self.lines.append(Line(text, self.depth, all_tags, self.builder.flow))

    def open(self, header: str, *tags: str, values: Sequence[Val] = (), **changes: object) -> "Block":
        """A compound statement's header; its body is the block returned (``pass`` is added to
        bodies left empty when the program is assembled)."""
        self.emit(header, *tags, values=values)
        return replace(self, depth=self.depth + 1, **changes)  # type: ignore[arg-type]

    def bind(self, value: Val, *names: str, again: Optional[str] = None) -> Val:
        """``value`` held in a name, written here unless it already is one; ``again`` reuses a name."""
        if value.expr.isidentifier() and again is None:
            return value
        name = again or self.builder.fresh(*(names or (value.noun,)))
        self.emit(f"{name} = {value.expr}", values=[value])
        return replace(value, expr=name, atom=True, tags=frozenset(), own=True)


class Builder:
    """The program being written: imports, top-level definitions, shared setup, then the flows."""

    def __init__(self, rng: random.Random, prefer: FrozenSet[str] = frozenset()) -> None:
        self.rng = rng
        self.prefer = prefer
        self.imports: Dict[str, None] = {}
        self.definitions: List[List[Line]] = []  # one list per top-level definition
        self.setup: List[Line] = []
        self.main: List[Line] = []
        self.taken: Set[str] = set(RESERVED)
        self.flow = SHARED
        self.flow_start = 0  # where in ``main`` the current flow begins
        self.context = Context(self)

    # --- choices -------------------------------------------------------------------------
    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability

    def pick(self, options: Sequence[str]) -> str:
        return options[self.rng.randrange(len(options))]

    def want(self, construct: str, probability: float) -> bool:
        """Whether to use an optional construct: usually when it is the one asked for."""
        return self.chance(0.9 if construct in self.prefer else probability)

    # --- names and imports ---------------------------------------------------------------
    def fresh(self, *candidates: str) -> str:
        """The first candidate not in use yet, else the first with a number."""
        for name in candidates:
            if name not in self.taken:
                self.taken.add(name)
                return name
        number = 2
        while f"{candidates[0]}{number}" in self.taken:
            number += 1
        name = f"{candidates[0]}{number}"
        self.taken.add(name)
        return name

    def need(self, *statements: str) -> None:
        for statement in statements:
            self.imports.setdefault(statement)

    # --- places to write -----------------------------------------------------------------
    def main_block(self) -> Block:
        return Block(self, self.main, 0)

    def setup_block(self) -> Block:
        return Block(self, self.setup, 0)

    def definition_block(self) -> Block:
        """A new top-level definition (function, class), written before the setup and the flows.

        Each has its own list, so that a definition made while writing another one's body
        (a helper's helper) does not land inside it."""
        lines: List[Line] = []
        self.definitions.append(lines)
        return Block(self, lines, 0)

    def flow_preamble(self, text: str, *tags: str) -> None:
        """A module-level statement at the start of the current flow (``history = []``), so that
        it runs once, before any loop or function of the flow uses it."""
        self.main.insert(self.flow_start, Line(text, 0, frozenset(tags), self.flow))
        self.flow_start += 1

    def start_flow(self, number: int) -> None:
        self.flow = number
        self.flow_start = len(self.main)

    def program(self, seed: int) -> Program:
        imports = [Line(statement, 0) for statement in sorted(self.imports, key=_import_order)]
        definitions = [line for lines in self.definitions for line in lines]
        return Program(seed, tuple(_with_pass(imports + definitions + self.setup + self.main)))


def _with_pass(lines: List[Line]) -> List[Line]:
    """``pass`` in every compound statement whose body was left empty."""
    result: List[Line] = []
    for index, line in enumerate(lines):
        result.append(line)
        following = lines[index + 1] if index + 1 < len(lines) else None
        if line.text.endswith(":") and (following is None or following.depth <= line.depth):
            result.append(Line("pass", line.depth + 1, frozenset(), line.flow))
    return result


def _import_order(statement: str) -> Tuple[int, str]:
    """Standard library first, then third-party, as isort would."""
    module = statement.split()[1]
    return (0 if module.split(".")[0] in STANDARD_LIBRARY else 1, statement)


STANDARD_LIBRARY = frozenset({"collections", "dataclasses", "functools", "io", "math", "sys", "typing"})
RESERVED = frozenset(
    """torch nn F np plt pd np_ io sys math partial dataclass namedtuple defaultdict field
    DataLoader TensorDataset Normal Categorical mean_squared_error r2_score accuracy_score
    roc_auc_score self super print range len list dict tuple float int sum min max zip
    enumerate isinstance next iter sorted _ i j k v
    param group name epoch step xb yb callback key item obj module inputs output err hook h""".split()
)


# ---------------------------------------------------------------------------------------------
# The shared context


@dataclass(frozen=True)
class Parameter:
    key: str  # its name in state_dict() and named_parameters()
    access: str  # the expression that reaches it: ``model.fc1.weight``
    shape: Tuple[int, ...]


@dataclass(frozen=True)
class ModelInfo:
    """A model of the program: its name, its parameters and its layers."""

    name: str
    parameters: Tuple[Parameter, ...]
    layers: Tuple[Tuple[str, Tuple[int, ...]], ...]  # (expression, output shape for ``x``)
    tag: str  # module_call_class (a class of the program), module_call_nn, frozen_module
    methods: Tuple[str, ...] = ()  # methods of the program's model class beside forward

    @property
    def first(self) -> Parameter:
        """What ``next(model.parameters())`` gives."""
        return self.parameters[0]


@dataclass
class Context:
    """Objects the flows share, each written into the setup the first time a flow asks."""

    builder: Builder
    made: Dict[str, object] = field(default_factory=dict)

    def _once(self, key: str, lines: Iterable[str], *tags: str) -> None:
        if key in self.made:
            return
        setup = self.builder.setup_block()
        for text in lines:
            setup.emit(text, *tags)
        self.made[key] = True

    def inputs(self) -> Val:
        self.builder.need("import torch")
        self._once("inputs", ["torch.manual_seed(0)", "x = torch.randn(4, 3)"])
        return Val("x", grad=False, noun="inputs")

    def targets(self) -> Val:
        self.inputs()
        self._once("targets", ["y = torch.randn(4, 3)"])
        return Val("y", grad=False, noun="targets")

    def labels(self) -> Val:
        self.inputs()
        self._once("labels", ["labels = torch.tensor([0, 2, 1, 2])"])
        return Val("labels", shape=(4,), dtype=LONG, grad=False, noun="labels")

    def device(self) -> str:
        self._once("device", ['device = torch.device("cpu")'])
        return "device"

    def loader(self) -> str:
        self.targets()
        self.builder.need("from torch.utils.data import DataLoader, TensorDataset")
        self._once("loader", ["loader = DataLoader(TensorDataset(x, y), batch_size=2)"])
        return "loader"

    def model(self) -> ModelInfo:
        found = self.made.get("model")
        if isinstance(found, ModelInfo):
            return found
        self.inputs()
        info = _define_model(self.builder)
        self.made["model"] = info
        return info

    def frozen_encoder(self) -> ModelInfo:
        found = self.made.get("encoder")
        if isinstance(found, ModelInfo):
            return found
        self.inputs()
        self.builder.need("import torch.nn as nn")
        style = self.builder.pick(["requires_grad_", "loop"])
        lines = ["encoder = nn.Sequential(nn.Linear(3, 3), nn.Tanh())"]
        if style == "requires_grad_":
            lines.append("encoder.requires_grad_(False)")
        else:
            lines += ["for param in encoder.parameters():", "    param.requires_grad = False"]
        setup = self.builder.setup_block()
        for text in lines:
            depth = 1 if text.startswith("    ") else 0
            setup.lines.append(Line(text.strip(), depth, frozenset({"frozen_module"}), self.builder.flow))
        parameters = (Parameter("0.weight", "encoder[0].weight", (3, 3)), Parameter("0.bias", "encoder[0].bias", (3,)))
        info = ModelInfo("encoder", parameters, (("encoder[0]", (4, 3)),), "frozen_module")
        self.made["encoder"] = info
        return info

    def optimizer(self) -> str:
        model = self.model()
        kind = self.builder.pick(["SGD", "Adam"])
        rate = "0.1" if kind == "SGD" else "1e-3"
        self._once("optimizer", [f"optimizer = torch.optim.{kind}({model.name}.parameters(), lr={rate})"])
        return "optimizer"

    def criterion(self) -> Tuple[str, Val]:
        """A loss module and the target it compares predictions with."""
        self.builder.need("import torch.nn as nn")
        found = self.made.get("criterion")
        if found == "cross_entropy":
            return "criterion", self.labels()
        if found == "mse":
            return "criterion", self.targets()
        if self.builder.chance(0.5):
            self._once("criterion", ["criterion = nn.CrossEntropyLoss()"])
            self.made["criterion"] = "cross_entropy"
            return "criterion", self.labels()
        target = self.targets()
        self._once("criterion", ["criterion = nn.MSELoss()"])
        self.made["criterion"] = "mse"
        return "criterion", target


_MODEL_BODIES = {
    # forward bodies of a two-layer network; the hidden layer has 8 units
    "relu": ["return self.fc2(torch.relu(self.fc1(x)))"],
    "dropout": ["h = self.dropout(F.relu(self.fc1(x)))", "return self.fc2(h)"],
    "scaled": ["return self.fc2(torch.tanh(self.fc1(x))) * self.scale"],
}


def _define_model(builder: Builder) -> ModelInfo:
    builder.need("import torch.nn as nn")
    setup = builder.setup_block()
    if builder.chance(0.25):
        setup.emit("model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 3))")
        layers = (("model[0]", (4, 8)), ("model[2]", (4, 3)))
        return ModelInfo("model", _parameters("model[{}]", ("0", "2")), layers, "module_call_nn")
    body = builder.pick(sorted(_MODEL_BODIES))
    name = builder.fresh("Net", "Classifier", "MLP")
    block = builder.definition_block()
    parameters = _parameters("model.{}", ("fc1", "fc2"))
    cls = block.open(f"class {name}(nn.Module):")
    init = cls.open("def __init__(self):")
    init.emit("super().__init__()")
    init.emit("self.fc1 = nn.Linear(3, 8)")
    init.emit("self.fc2 = nn.Linear(8, 3)")
    if body == "dropout":
        init.emit("self.dropout = nn.Dropout(0.1)")
        builder.need("import torch.nn.functional as F")
    if body == "scaled":
        init.emit("self.scale = nn.Parameter(torch.ones(3))")
        # A module's own parameters come before its children's in parameters().
        parameters = (Parameter("scale", "model.scale", (3,)),) + parameters
    forward = cls.open("def forward(self, x):")
    for text in _MODEL_BODIES[body]:
        forward.emit(text)
    methods = tuple(method for method in _MODEL_METHODS if builder.chance(0.4))
    for method in methods:
        for decorator in _MODEL_METHODS[method][:-2]:
            cls.emit(decorator)
        cls.open(_MODEL_METHODS[method][-2]).emit(_MODEL_METHODS[method][-1])
    setup.emit(f"model = {name}()")
    return ModelInfo("model", parameters, (("model.fc1", (4, 8)), ("model.fc2", (4, 3))), "module_call_class",
                     methods)


# Methods of the model class: decorators, header, body.
_MODEL_METHODS = {
    "predict": ("@torch.no_grad()", "def predict(self, x):", "return torch.softmax(self(x), dim=-1)"),
    "generate": ("def generate(self, x):", "return self(x).argmax(dim=-1)"),
    "embed": ("def embed(self, x):", "return self.fc1(x)"),
}


def _parameters(access: str, layers: Tuple[str, str]) -> Tuple[Parameter, ...]:
    """The weights and biases of two linear layers, 3 -> 8 -> 3."""
    first, second = layers
    return (
        Parameter(f"{first}.weight", access.format(first) + ".weight", (8, 3)),
        Parameter(f"{first}.bias", access.format(first) + ".bias", (8,)),
        Parameter(f"{second}.weight", access.format(second) + ".weight", (3, 8)),
        Parameter(f"{second}.bias", access.format(second) + ".bias", (3,)),
    )

"""The grammar: the ingredients a program is made of, and how they combine and nest.

A program is one to three *flows*.  A flow starts with no value; ``Generator.run`` applies a
budget of *stages* to it and ends with a *sink*.  A stage is one of

* a **source**, when there is no value yet: a tensor that requires grad (factory with
  ``requires_grad=True``, ``nn.Parameter``, a model's parameters, a model call, a loss, a
  distribution, an optimizer's param groups, a forward hook's output) or one that does not
  (data, ``state_dict()`` values, ``.grad``, a frozen model's output);
* a **step** on the value: an expression (arithmetic, tensor methods, reductions, indexing,
  ``.detach()``, ``.data``, ``.cpu()``, ``.to(...)``, ``argmax``, comparisons, integer casts,
  ``.item()``, a model call, a loss) or statements (in-place operations, accumulation, a
  backward pass, a conversion to a NumPy array in the middle of the flow);
* a **region** holding the next stages: grad mode (``no_grad``, ``inference_mode``,
  ``enable_grad``, ``set_grad_enabled``), control (loops, ``if`` on constants and run-time
  values, ``try``), and the carriers that move a value from where it is made to where it is
  converted (helper functions, methods, closures, generators, lambdas, ``partial``,
  callbacks, hooks, ``*args``, recursion, containers, dataclasses, namedtuples, attributes).

Regions nest (a helper's body may open a ``no_grad`` block that calls another helper), and a
region's stages may end inside it (the conversion happens there) or hand the value back to
the stages after it.  Each line records the constructs it embodies (its *tags*), so results
can be broken down per construct.  The grammar never decides whether a conversion raises:
the labeller runs the program.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, replace
from typing import Callable, Dict, FrozenSet, Generic, List, Optional, Protocol, Sequence, Tuple, TypeVar

from .builder import (
    ARRAY,
    BOOL,
    FLOAT,
    INPUT_SHAPE,
    LONG,
    NUMBER,
    NUMBERS,
    TENSOR,
    TENSORS,
    Block,
    Builder,
    ModelInfo,
    Shape,
    Val,
)
from .program import Program

R = TypeVar("R")


class Weighted(Protocol):
    @property
    def tag(self) -> str: ...

    @property
    def weight(self) -> float: ...


W = TypeVar("W", bound=Weighted)

ARRAYS = "arrays"  # a list of NumPy arrays
PLOT = "plot"  # what a plotting call returns: nothing to go on with
TABLE = "table"  # a pandas object
STATEMENT = "statement"  # a conversion written as statements of its own
Result = Optional[Tuple[Block, Val]]  # where the flow continues, with what; None once converted


class Unsuitable(Exception):
    """This ingredient does not fit the value or the place; the generator picks another."""


# ---------------------------------------------------------------------------------------------
# The generator


@dataclass
class Body:
    """The stages a region holds: how many, and whether they end with the conversion."""

    gen: "Generator"
    budget: int
    terminal: bool

    def __call__(self, block: Block, value: Optional[Val]) -> Result:
        return self.gen.run(block, value, self.budget, self.terminal)

    def expression(self, value: Val) -> Val:
        """The stages as one expression (a lambda's body, a return value)."""
        for _ in range(self.budget):
            value = self.gen.expression_step(value)
        return self.gen.sink_expression(value) if self.terminal else value


class Generator:
    """Writes one program from a seed."""

    def __init__(self, seed: int, prefer: FrozenSet[str] = frozenset()) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.b = Builder(self.rng, prefer)

    def program(self) -> Program:
        flows = self.rng.choices((1, 2, 3), weights=(0.45, 0.35, 0.2))[0]
        for number in range(flows):
            self.b.start_flow(number)
            budget = self.rng.choices((0, 1, 2, 3, 4, 5), weights=(0.08, 0.2, 0.27, 0.22, 0.14, 0.09))[0]
            self.run(self.b.main_block(), None, budget, terminal=True)
        return self.b.program(self.seed)

    # --- the stages ----------------------------------------------------------------------
    def run(self, block: Block, value: Optional[Val], budget: int, terminal: bool) -> Result:
        """Apply ``budget`` stages to ``value`` in ``block``, then convert it if ``terminal``."""
        while True:
            if value is None and (budget == 0 or not self.b.chance(0.3)):
                block, value = self.source(block)
                continue
            if budget == 0:
                if value is None:
                    continue
                if terminal:
                    self.sink(block, value)
                    return None
                return block, value
            budget -= 1
            if self.b.chance(0.45 if value is not None else 1.0):
                outcome = self.region(block, value, budget, terminal)
                if outcome is not None:
                    inner, result = outcome
                    budget -= inner
                    if result is None:
                        return None
                    block, value = result
                    continue
            if value is not None:
                value = self.step(block, value)

    def region(self, block: Block, value: Optional[Val], budget: int, terminal: bool) -> Optional[Tuple[int, Result]]:
        """Open a region that fits; how many stages it took, and where the flow goes on."""
        candidates = [region for region in REGIONS if value is not None or not region.needs_value]

        def attempt(region: Region) -> Optional[Tuple[int, Result]]:
            inner, body_terminal = region.split(self.rng, budget, terminal)
            if region.policy != NONE and value is not None and inner == 0 and not body_terminal:
                raise Unsuitable  # it would hold nothing: ``with torch.no_grad(): pass``
            return inner, region.apply(self, block, value, Body(self, inner, body_terminal))

        return self._first_that_fits(candidates, attempt)

    def source(self, block: Block) -> Tuple[Block, Val]:
        made = self._first_that_fits(SOURCES, lambda source: source.make(self, block))
        assert made is not None, "data is always a possible source"
        return made

    def step(self, block: Block, value: Val) -> Val:
        """One expression or statement step; the value unchanged if none fits."""
        return self._first_that_fits(STEPS, lambda step: step.make(self, block, value)) or value

    def expression_step(self, value: Val) -> Val:
        return self._first_that_fits(EXPRESSION_STEPS, lambda step: step.make(self, value)) or value

    def sink(self, block: Block, value: Val) -> None:
        converted = self.sink_expression(value)
        self.write_sink(block, converted)

    def sink_expression(self, value: Val) -> Val:
        converted = self._first_that_fits(SINKS, lambda sink: sink.make(self, value))
        return converted or value.then(f"print({value.expr})", kind=NUMBER)

    def write_sink(self, block: Block, converted: Val) -> None:
        """The statement a conversion is written in."""
        if converted.kind == STATEMENT:
            for text in converted.expr.split("\n"):
                block.emit(text, values=[converted])
            return
        if converted.kind == PLOT:
            block.emit(converted.expr, values=[converted])
            return
        if block.in_function and block.may_return and self.b.chance(0.4):
            block.emit(f"return {converted.expr}", values=[converted])
            return
        form = self.rng.choices(("assign", "print", "append"), weights=(0.6, 0.25, 0.15))[0]
        if form == "print":
            block.emit(f"print({converted.expr})", values=[converted])
        elif form == "append":
            results = self.b.fresh("results", "arrays", "outputs")
            self.b.flow_preamble(f"{results} = []")
            block.emit(f"{results}.append({converted.expr})", values=[converted])
        else:
            block.bind(converted, converted.noun)

    # --- choosing ------------------------------------------------------------------------
    def _first_that_fits(self, options: Sequence["W"], attempt: Callable[["W"], "R"]) -> Optional["R"]:
        """The result of the first option that fits, trying them in a random order drawn by
        weight (those that may write the construct asked for first)."""
        keys = []
        for option in options:
            produced = PRODUCES.get(option.tag, frozenset()) | {option.tag}
            weight = option.weight * (40.0 if produced & self.b.prefer else 1.0)
            keys.append((self.rng.random() ** (1.0 / weight), option))
        for _, option in sorted(keys, key=lambda item: -item[0]):
            try:
                return attempt(option)
            except Unsuitable:
                continue
        return None

    # --- helpers for ingredients ----------------------------------------------------------
    def other_like(self, value: Val) -> str:
        """A tensor of ``value``'s shape that does not require grad."""
        if value.shape == INPUT_SHAPE and self.b.chance(0.5):
            return self.b.context.targets().expr
        return f"torch.ones_like({value.expr})" if self.b.chance(0.5) else f"torch.rand_like({value.expr})"

    def model(self) -> ModelInfo:
        return self.b.context.model()


def _made(expr: str, construct: str, **details: object) -> Val:
    """A value written by ``construct``."""
    return Val(expr, tags=frozenset({construct}), **details)  # type: ignore[arg-type]


def _need_float(value: Val) -> None:
    if not value.is_float_tensor:
        raise Unsuitable


def _need_rank(value: Val, *ranks: int) -> Tuple[int, ...]:
    if value.kind != TENSOR or value.shape is None or len(value.shape) not in ranks:
        raise Unsuitable
    return value.shape


def _need_tensor(value: Val) -> None:
    if value.kind != TENSOR:
        raise Unsuitable


def _numel(shape: Tuple[int, ...]) -> int:
    total = 1
    for size in shape:
        total *= size
    return total


# ---------------------------------------------------------------------------------------------
# Sources


def source_factory(g: Generator, block: Block) -> Tuple[Block, Val]:
    g.b.need("import torch")
    shape = g.rng.choice([(4, 3), (4, 3), (3,), (4,)])
    dims = ", ".join(str(size) for size in shape)
    expr = g.b.pick([
        f"torch.randn({dims}, requires_grad=True)",
        f"torch.zeros({dims}, requires_grad=True)",
        f"torch.ones({dims}, requires_grad=True)",
        f"torch.rand({dims}, requires_grad=True)",
    ])
    if len(shape) == 1 and g.b.chance(0.3):
        values = ", ".join(f"{0.5 * (i + 1)}" for i in range(shape[0]))
        expr = f"torch.tensor([{values}], requires_grad=True)"
    value = _made(expr, "factory_requires_grad", shape=shape, grad=True, leaf=True,
                  noun=g.b.pick(["w", "weights", "theta", "z", "params"]))
    return block, block.bind(value)


def source_parameter(g: Generator, block: Block) -> Tuple[Block, Val]:
    g.b.need("import torch", "import torch.nn as nn")
    shape = g.rng.choice([(4, 3), (3,), (3, 3)])
    dims = ", ".join(str(size) for size in shape)
    init = g.b.pick([f"torch.randn({dims})", f"torch.zeros({dims})", f"torch.ones({dims})"])
    value = _made(f"nn.Parameter({init})", "parameter", shape=shape, grad=True, leaf=True,
                  noun=g.b.pick(["scale", "weight", "bias", "embedding", "temperature"]))
    return block, block.bind(value)


def source_module_parameter(g: Generator, block: Block) -> Tuple[Block, Val]:
    model = g.model()
    parameter = model.parameters[g.rng.randrange(len(model.parameters))]
    form = g.rng.choice(["access", "access", "next", "list", "named", "dict"])
    if form == "next":
        parameter = model.first
        expr = f"next({model.name}.parameters())"
    elif form == "list":
        index = g.rng.randrange(len(model.parameters))
        parameter = model.parameters[index]
        expr = f"list({model.name}.parameters())[{index}]"
    elif form == "dict":
        expr = f'dict({model.name}.named_parameters())["{parameter.key}"]'
    elif form == "named":
        loop = block.open(f"for name, param in {model.name}.named_parameters():", "module_parameter", "loop",
                          in_loop=True, loop_variable="name")
        guard = loop.open(f'if name == "{parameter.key}":', "if_runtime")
        return guard, replace(Val("param", shape=parameter.shape, grad=True, leaf=True, noun="param"), own=True)
    else:
        expr = parameter.access
    return block, _made(expr, "module_parameter", shape=parameter.shape, grad=True, leaf=True,
                        noun=g.b.pick(["weight", "w", "kernel", "param"]))


def source_model_call(g: Generator, block: Block) -> Tuple[Block, Val]:
    model = g.model()
    inputs = _inputs(g, block)
    tags = {model.tag}
    if g.b.want("eval", 0.3):
        block.emit(f"{model.name}.eval()", "eval")
    value = Val(f"{model.name}({inputs.expr})", shape=(inputs.shape or INPUT_SHAPE)[:1] + (3,), grad=True,
                tags=frozenset(tags) | inputs.tags, noun=g.b.pick(["logits", "out", "output", "pred", "scores"]))
    return block, value if g.b.chance(0.3) else block.bind(value)


def source_model_method(g: Generator, block: Block) -> Tuple[Block, Val]:
    """A method of the program's model class: ``predict`` (under no_grad), ``generate`` (token
    ids), ``embed`` (hidden features, with grad)."""
    model = g.model()
    if not model.methods:
        raise Unsuitable
    method = g.b.pick(model.methods)
    inputs = _inputs(g, block)
    batch = (inputs.shape or INPUT_SHAPE)[0]
    tags = frozenset({"model_method"}) | inputs.tags
    if method == "predict":
        value = Val(f"{model.name}.predict({inputs.expr})", shape=(batch, 3), grad=False, tags=tags, noun="probs")
    elif method == "generate":
        value = Val(f"{model.name}.generate({inputs.expr})", shape=(batch,), dtype=LONG, grad=False, tags=tags,
                    noun="tokens")
    else:
        value = Val(f"{model.name}.embed({inputs.expr})", shape=(batch, 8), grad=True, tags=tags, noun="embedding")
    return block, block.bind(value)


def source_layer_call(g: Generator, block: Block) -> Tuple[Block, Val]:
    g.b.need("import torch", "import torch.nn as nn")
    inputs = _inputs(g, block)
    batch = (inputs.shape or INPUT_SHAPE)[0]
    kind = g.b.pick(["linear", "linear", "norm", "embedding", "gru", "sequential"])
    layer = g.b.fresh({"linear": "layer", "norm": "norm", "embedding": "embedding", "gru": "rnn",
                       "sequential": "head"}[kind], "layer")
    if kind == "linear":
        g.b.flow_preamble(f"{layer} = nn.Linear(3, 3)", "module_call_nn")
        expr = f"{layer}({inputs.expr})"
    elif kind == "norm":
        g.b.flow_preamble(f"{layer} = nn.LayerNorm(3)", "module_call_nn")
        expr = f"{layer}({inputs.expr})"
    elif kind == "sequential":
        g.b.flow_preamble(f"{layer} = nn.Sequential(nn.Linear(3, 6), nn.Tanh(), nn.Linear(6, 3))", "module_call_nn")
        expr = f"{layer}({inputs.expr})"
    elif kind == "embedding":
        g.b.flow_preamble(f"{layer} = nn.Embedding(10, 3)", "module_call_nn")
        ids = g.b.fresh("token_ids", "ids")
        block.emit(f"{ids} = torch.tensor([1, 4, 2, 7])", "data")
        expr, batch = f"{layer}({ids})", 4
        inputs = Val(ids)
    else:
        g.b.flow_preamble(f"{layer} = nn.GRU(3, 3, batch_first=True)", "module_call_nn")
        seq, hidden = g.b.fresh("seq_out", "outputs"), g.b.fresh("hidden", "h_n")
        block.emit(f"{seq}, {hidden} = {layer}({inputs.receiver}.unsqueeze(0))", "module_call_nn", values=[inputs])
        return block, Val(f"{seq}[0]", shape=(batch, 3), grad=True, noun="states")
    value = Val(expr, shape=(batch, 3), grad=True, tags=frozenset({"module_call_nn"}) | inputs.tags,
                noun=g.b.pick(["out", "hidden", "features", "emb"]))
    return block, value if g.b.chance(0.3) else block.bind(value)


def source_loss(g: Generator, block: Block) -> Tuple[Block, Val]:
    block, prediction = source_model_call(g, block)
    return block, _loss_of(g, block, prediction, inline=g.b.chance(0.4))


def _loss_of(g: Generator, block: Block, prediction: Val, inline: bool) -> Val:
    g.b.need("import torch.nn.functional as F")
    if prediction.shape == INPUT_SHAPE and g.b.chance(0.5):
        criterion, target = g.b.context.criterion()
        expr = f"{criterion}({prediction.expr}, {target.expr})"
    elif prediction.shape == INPUT_SHAPE and g.b.chance(0.4):
        expr = f"F.cross_entropy({prediction.expr}, {g.b.context.labels().expr})"
    elif prediction.shape == INPUT_SHAPE:
        fn = g.b.pick(["mse_loss", "l1_loss", "smooth_l1_loss"])
        expr = f"F.{fn}({prediction.expr}, {g.b.context.targets().expr})"
    else:
        expr = f"F.mse_loss({prediction.expr}, torch.zeros_like({prediction.expr}))"
    value = prediction.then(expr, "loss", shape=(), noun="loss")
    return value if inline else block.bind(value, "loss", "train_loss", "val_loss")


def source_distribution(g: Generator, block: Block) -> Tuple[Block, Val]:
    g.b.need("import torch")
    block, params = source_model_call(g, block)
    params = block.bind(params, "logits", "mu")
    dist = g.b.fresh("dist", "policy", "posterior")
    if g.b.chance(0.5):
        block.emit(f"{dist} = torch.distributions.Categorical(logits={params.expr})", "distribution")
        choice = g.b.pick(["sample", "probs", "log_prob", "entropy"])
        if choice == "sample":
            return block, _made(f"{dist}.sample()", "distribution", shape=(4,), dtype=LONG, grad=False,
                                noun="actions")
        if choice == "probs":
            return block, _made(f"{dist}.probs", "distribution", shape=(4, 3), grad=True, noun="probs")
        if choice == "log_prob":
            actions = g.b.fresh("actions", "action")
            block.emit(f"{actions} = {dist}.sample()", "distribution")
            return block, _made(f"{dist}.log_prob({actions})", "distribution", shape=(4,), grad=True,
                                noun="log_probs")
        return block, _made(f"{dist}.entropy()", "distribution", shape=(4,), grad=True, noun="entropy")
    std = g.b.pick(["torch.ones(3)", f"{params.expr}.exp()", "0.5"])
    block.emit(f"{dist} = torch.distributions.Normal({params.expr}, {std})", "distribution")
    choice = g.b.pick(["rsample", "sample", "log_prob", "mean"])
    if choice == "sample":
        return block, _made(f"{dist}.sample()", "distribution", grad=False, noun="sample")
    if choice == "mean":
        return block, _made(f"{dist}.mean", "distribution", grad=True, noun="mean")
    if choice == "log_prob":
        return block, _made(f"{dist}.log_prob({g.b.context.targets().expr})", "distribution", grad=True,
                            noun="log_likelihood")
    return block, _made(f"{dist}.rsample()", "distribution", grad=True, noun="z")


def source_param_groups(g: Generator, block: Block) -> Tuple[Block, Val]:
    optimizer = g.b.context.optimizer()
    model = g.model()
    if g.b.chance(0.5):
        return block, Val(f'{optimizer}.param_groups[0]["params"][0]', shape=model.first.shape, grad=True, leaf=True,
                          tags=frozenset({"optimizer_param_groups"}), noun="param")
    groups = block.open(f"for group in {optimizer}.param_groups:", "optimizer_param_groups", "loop", in_loop=True,
                        loop_variable="group")
    inner = groups.open('for param in group["params"]:', "loop", in_loop=True, loop_variable="param")
    return inner, Val("param", shape=None, grad=True, leaf=True, noun="param", own=True)


def source_data(g: Generator, block: Block) -> Tuple[Block, Val]:
    g.b.need("import torch")
    if block.loop_variable == "xb" and g.b.chance(0.7):
        return block, _made("xb", "data", shape=(2, 3), grad=False, noun="batch")
    choice = g.b.pick(["inputs", "randn", "from_numpy", "tensor", "linspace", "loader"])
    if choice == "inputs":
        return block, replace(g.b.context.inputs(), tags=frozenset({"data"}))
    if choice == "from_numpy":
        g.b.need("import numpy as np")
        expr = "torch.from_numpy(np.random.rand(4, 3)).float()"
    elif choice == "tensor":
        expr = "torch.tensor([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [0.7, 0.8, 0.9], [1.0, 1.1, 1.2]])"
    elif choice == "linspace":
        expr = "torch.linspace(0, 1, 12).reshape(4, 3)"
    elif choice == "loader":
        loader = g.b.context.loader()
        batch, target = g.b.fresh("xb", "batch"), g.b.fresh("yb", "target")
        block.emit(f"{batch}, {target} = next(iter({loader}))", "data")
        return block, _made(batch, "data", shape=(2, 3), grad=False, noun="batch")
    else:
        expr = "torch.randn(4, 3)"
    value = _made(expr, "data", grad=False, noun=g.b.pick(["data", "features", "batch"]))
    return block, block.bind(value)


def source_state(g: Generator, block: Block) -> Tuple[Block, Val]:
    """Tensors of a model that do not require grad: state_dict() values, gradients, buffers."""
    model = g.model()
    parameter = model.parameters[g.rng.randrange(len(model.parameters))]
    # a backward pass needs grad mode
    choice = g.b.pick(["state_dict", "buffer"] + (["grad", "grad"] if block.grad is not False else []))
    if choice == "state_dict":
        return block, Val(f'{model.name}.state_dict()["{parameter.key}"]', shape=parameter.shape, grad=False,
                          tags=frozenset({"state_dict"}), noun="weights")
    if choice == "buffer":
        norm = g.b.fresh("bn", "batch_norm")
        g.b.flow_preamble(f"{norm} = nn.BatchNorm1d(3)", "buffer")
        block.emit(f"{norm}({g.b.context.inputs().expr})", "buffer")
        return block, Val(f"{norm}.{g.b.pick(['running_mean', 'running_var'])}", shape=(3,), grad=False,
                          tags=frozenset({"buffer"}), noun="stats")
    g.b.need("import torch.nn.functional as F")
    block.emit(f"{model.name}.zero_grad()", "grad")
    block.emit(f"F.mse_loss({model.name}({g.b.context.inputs().expr}), {g.b.context.targets().expr}).backward()",
               "grad", "backward")
    return block, _made(f"{parameter.access}.grad", "grad", shape=parameter.shape, grad=False, noun="grads")


def source_input_gradient(g: Generator, block: Block) -> Tuple[Block, Val]:
    """Saliency: inputs that require grad, a backward pass, then the inputs or their gradient."""
    if block.grad is False:
        raise Unsuitable  # no backward pass without grad
    model = g.model()
    inputs = g.b.fresh("inputs", "images", "sample")
    start = g.b.pick([f"{g.b.context.inputs().expr}.clone().requires_grad_()",
                      f"{g.b.context.inputs().expr}.clone().detach().requires_grad_(True)",
                      "torch.randn(4, 3, requires_grad=True)"])
    block.emit(f"{inputs} = {start}", "requires_grad_")
    score = g.b.fresh("score", "objective")
    block.emit(f"{score} = {model.name}({inputs}).sum()", model.tag)
    block.emit(f"{score}.backward()", "backward")
    if g.b.chance(0.5):
        return block, _made(f"{inputs}.grad", "grad", grad=False, noun="saliency")
    return block, Val(inputs, grad=True, leaf=True, noun="inputs", own=True)


def source_frozen(g: Generator, block: Block) -> Tuple[Block, Val]:
    encoder = g.b.context.frozen_encoder()
    inputs = _inputs(g, block)
    value = Val(f"{encoder.name}({inputs.expr})", shape=(inputs.shape or INPUT_SHAPE)[:1] + (3,), grad=False,
                tags=frozenset({"frozen_module"}) | inputs.tags, noun="features")
    return block, block.bind(value)


def _inputs(g: Generator, block: Block) -> Val:
    """What a model is called with: the inputs, a batch of the loop, or fresh data."""
    if block.loop_variable == "xb":
        return Val("xb", shape=(2, 3), grad=False)
    if g.b.chance(0.8):
        return g.b.context.inputs()
    return Val("torch.randn(4, 3)", grad=False)


@dataclass(frozen=True)
class Ingredient(Generic[R]):
    tag: str
    weight: float
    make: R


SOURCES: Sequence[Ingredient[Callable[[Generator, Block], Tuple[Block, Val]]]] = tuple(Ingredient(*entry) for entry in (
    ("factory_requires_grad", 1.0, source_factory),
    ("parameter", 0.7, source_parameter),
    ("module_parameter", 1.0, source_module_parameter),
    ("module_call_class", 2.2, source_model_call),
    ("module_call_nn", 1.0, source_layer_call),
    ("model_method", 0.6, source_model_method),
    ("loss", 1.4, source_loss),
    ("distribution", 0.5, source_distribution),
    ("optimizer_param_groups", 0.4, source_param_groups),
    ("data", 1.4, source_data),
    ("state_dict", 0.6, source_state),
    ("input_gradient", 0.4, source_input_gradient),
    ("frozen_module", 0.5, source_frozen),
))


# ---------------------------------------------------------------------------------------------
# Expression steps: each gives a new value or raises Unsuitable


def step_arithmetic(g: Generator, v: Val) -> Val:
    _need_float(v)
    r = v.receiver
    choice = g.b.pick(["scale", "shift", "affine", "center", "square", "difference", "negate", "divide"])
    if choice == "center" and v.shape not in (None, ()):
        return v.then(f"{r} - {r}.mean()", "arithmetic", atom=False, noun="centered")
    if choice == "difference" and v.shape is not None:
        return v.then(f"({r} - {g.other_like(v)}) ** 2", "arithmetic", atom=False, noun="errors")
    text = {"scale": f"{r} * 2", "shift": f"{r} + 1", "affine": f"{r} * 0.5 + 0.1", "square": f"{r} ** 2",
            "negate": f"-{r}", "divide": f"{r} / 4", "center": f"2 * {r} - 1", "difference": f"{r} - 1"}[choice]
    return v.then(text, "arithmetic", atom=False)


def step_tensor_method(g: Generator, v: Val) -> Val:
    _need_float(v)
    r, e = v.receiver, v.expr
    shaped = v.shape not in (None, ())
    options = [f"torch.relu({e})", f"torch.sigmoid({e})", f"torch.tanh({e})", f"{r}.exp()", f"{r}.abs()",
               f"{r}.clamp(min=0)", f"{r}.pow(2)", f"{r}.clone()", f"{r}.round()", f"torch.clamp({e}, -1, 1)"]
    nouns = {"sigmoid": "probs", "softmax": "probs", "relu": "activations"}
    if shaped:
        g.b.need("import torch.nn.functional as F")
        options += [f"torch.softmax({e}, dim=-1)", f"F.softmax({e}, dim=-1)", f"{r}.softmax(-1)",
                    f"F.log_softmax({e}, dim=-1)", f"F.normalize({e}, dim=-1)", f"{r}.contiguous()"]
    text = g.b.pick(options)
    noun = next((n for key, n in nouns.items() if key in text), v.noun)
    return v.then(text, "tensor_method", noun=noun)


def step_reduction(g: Generator, v: Val) -> Val:
    _need_float(v)
    if v.shape is None or v.shape == ():
        if v.shape is None:
            return v.then(f"{v.receiver}.{g.b.pick(['sum', 'mean', 'norm'])}()", "reduction", shape=(), noun="total")
        raise Unsuitable
    r, shape = v.receiver, v.shape
    options: List[Tuple[str, Shape]] = [(f"{r}.sum()", ()), (f"{r}.mean()", ()), (f"{r}.norm()", ()),
                                        (f"{r}.mean(dim=0)", shape[1:]), (f"{r}.max()", ())]
    if len(shape) == 2:
        options += [(f"{r}.sum(dim=1)", shape[:1]), (f"{r}.norm(dim=1)", shape[:1]),
                    (f"{r}.max(dim=1).values", shape[:1]), (f"{r}.max(dim=1)[0]", shape[:1]),
                    (f"torch.max({v.expr}, dim=1)[0]", shape[:1]), (f"{r}.mean(1)", shape[:1])]
    text, new_shape = g.rng.choice(options)
    return v.then(text, "reduction", shape=new_shape, noun="score" if new_shape else "total")


def step_indexing(g: Generator, v: Val) -> Val:
    shape = _need_rank(v, 1, 2)
    r = v.receiver
    options: List[Tuple[str, Tuple[int, ...]]] = [(f"{r}[0]", shape[1:]), (f"{r}[-1]", shape[1:])]
    if shape[0] >= 2:
        options.append((f"{r}[:2]", (2,) + shape[1:]))
    if len(shape) == 2:
        options += [(f"{r}[:, 0]", shape[:1]), (f"{r}[..., 1]", shape[:1])]
    text, new_shape = g.rng.choice(options)
    return v.then(text, "indexing", shape=new_shape, leaf=v.leaf, noun=v.noun if new_shape else "first")


def step_view(g: Generator, v: Val) -> Val:
    shape = _need_rank(v, 1, 2)
    r = v.receiver
    options: List[Tuple[str, Tuple[int, ...]]] = [(f"{r}.view(-1)", (_numel(shape),)),
                                                  (f"{r}.reshape(-1)", (_numel(shape),)),
                                                  (f"{r}.flatten()", (_numel(shape),)),
                                                  (f"{r}.unsqueeze(0)", (1,) + shape)]
    if len(shape) == 2:
        options += [(f"{r}.t()", shape[::-1]), (f"{r}.T", shape[::-1])]
    text, new_shape = g.rng.choice(options)
    return v.then(text, "view", shape=new_shape, leaf=v.leaf)


def step_device(g: Generator, v: Val) -> Val:
    _need_tensor(v)
    r = v.receiver
    choice = g.b.pick(["cpu", "cpu", "to_cpu", "to_device", "to_dtype", "float"])
    if choice == "cpu":
        return v.then(f"{r}.cpu()", "cpu", leaf=v.leaf)
    if choice == "to_cpu":
        return v.then(f'{r}.to("cpu")', "to", leaf=v.leaf)
    if choice == "to_device":
        return v.then(f"{r}.to({g.b.context.device()})", "to", leaf=v.leaf)
    if v.dtype != FLOAT:
        raise Unsuitable
    if choice == "to_dtype":
        return v.then(f"{r}.to(torch.float32)", "to")
    return v.then(f"{r}.float()", "to")


def step_detach(g: Generator, v: Val) -> Val:
    _need_tensor(v)
    text = g.b.pick([f"{v.receiver}.detach()", f"{v.receiver}.detach()", f"{v.receiver}.detach().clone()",
                     f"{v.receiver}.clone().detach()", f"{v.receiver}.cpu().detach()"])
    return v.then(text, "detach", grad=False)


def step_data(g: Generator, v: Val) -> Val:
    _need_tensor(v)
    return v.then(f"{v.receiver}.data", "data_attribute", grad=False)


def step_argmax(g: Generator, v: Val) -> Val:
    _need_float(v)
    if v.shape is None or v.shape == ():
        raise Unsuitable
    r, shape = v.receiver, v.shape
    options: List[Tuple[str, Tuple[int, ...]]] = [(f"{r}.argmax(dim=-1)", shape[:-1]), (f"{r}.argmax()", ()),
                                                  (f"torch.argmax({v.expr}, dim=-1)", shape[:-1])]
    if len(shape) == 2:
        options += [(f"{r}.argmax(1)", shape[:1]), (f"{r}.max(dim=1).indices", shape[:1]),
                    (f"{r}.max(1)[1]", shape[:1]), (f"torch.max({v.expr}, 1)[1]", shape[:1])]
        if shape[1] >= 2:
            options.append((f"{r}.topk(2, dim=1).indices", (shape[0], 2)))
    text, new_shape = g.rng.choice(options)
    return v.then(text, "argmax", shape=new_shape, dtype=LONG, grad=False, noun="preds")


def step_comparison(g: Generator, v: Val) -> Val:
    _need_tensor(v)
    r = v.receiver
    if v.dtype == LONG and v.shape == (4,) and g.b.chance(0.6):
        return v.then(f"({r} == {g.b.context.labels().expr})", "comparison", dtype=BOOL, grad=False, noun="correct")
    if v.dtype != FLOAT:
        raise Unsuitable
    text = g.b.pick([f"({r} > 0)", f"{r}.gt(0.5)", f"({r} >= {r}.mean())", f"torch.isnan({v.expr})", f"{r}.lt(0)"])
    return v.then(text, "comparison", dtype=BOOL, grad=False, noun="mask")


def step_integer_cast(g: Generator, v: Val) -> Val:
    _need_tensor(v)
    r = v.receiver
    if v.dtype != FLOAT:
        if g.b.chance(0.5):
            return v.then(f"{r}.float()", "integer_cast", dtype=FLOAT, grad=False)
        return v.then(f"{r}.long()", "integer_cast", dtype=LONG, grad=False)
    text = g.b.pick([f"{r}.long()", f"{r}.int()", f"{r}.to(torch.long)", f"{r}.to(torch.int64)",
                     f"{r}.type(torch.LongTensor)", f"{r}.round().long()"])
    return v.then(text, "integer_cast", dtype=LONG, grad=False, noun="counts")


def step_item(g: Generator, v: Val) -> Val:
    _need_tensor(v)
    if v.shape is None or _numel(v.shape) != 1:
        if v.shape is None or v.dtype != FLOAT or not g.b.chance(0.5):
            raise Unsuitable
        return v.then(f"{v.receiver}.mean().item()", "item", "reduction", kind=NUMBER, shape=(), noun="value")
    if g.b.chance(0.25) and v.dtype == FLOAT:
        return v.then(f"float({v.expr})", "item", kind=NUMBER, noun="value")
    return v.then(f"{v.receiver}.item()", "item", kind=NUMBER, noun="value")


def step_tolist(g: Generator, v: Val) -> Val:
    shape = _need_rank(v, 1)
    del shape
    return v.then(f"{v.receiver}.tolist()", "tolist", kind=NUMBERS, noun="values")


def step_requires_grad(g: Generator, v: Val) -> Val:
    _need_float(v)
    if v.inference:
        raise Unsuitable
    if v.grad is False or v.leaf:
        text = f"{v.receiver}.requires_grad_()"
    else:
        text = f"{v.receiver}.detach().requires_grad_()"
    tags = ("requires_grad_", "detach") if ".detach()" in text else ("requires_grad_",)
    return v.then(text, *tags, grad=True, leaf=True)


def step_model_call(g: Generator, v: Val) -> Val:
    _need_float(v)
    if v.shape is None or len(v.shape) != 2 or v.shape[1] != 3:
        raise Unsuitable
    if v.inference or v.in_hook:
        raise Unsuitable
    if g.b.chance(0.25):
        encoder = g.b.context.frozen_encoder()
        return v.then(f"{encoder.name}({v.expr})", "frozen_module", noun="features")
    model = g.model()
    return v.then(f"{model.name}({v.expr})", model.tag, grad=True, noun="logits")


def step_loss(g: Generator, v: Val) -> Val:
    _need_float(v)
    if v.shape is None or v.shape == ():
        raise Unsuitable
    return _loss_of(g, g.b.main_block(), v, inline=True)


def step_stack(g: Generator, v: Val) -> Val:
    if v.kind != TENSORS or v.shape is None:
        raise Unsuitable
    # The list's length is not known here: the result's shape is not either.
    if g.b.chance(0.5) or not v.shape:
        return v.then(f"torch.stack({v.expr})", "stack", kind=TENSOR, shape=None)
    return v.then(f"torch.cat({v.expr})", "stack", kind=TENSOR, shape=None)


EXPRESSION_STEPS: Sequence[Ingredient[Callable[[Generator, Val], Val]]] = tuple(Ingredient(*entry) for entry in (
    ("arithmetic", 1.2, step_arithmetic),
    ("tensor_method", 1.2, step_tensor_method),
    ("reduction", 1.0, step_reduction),
    ("indexing", 0.6, step_indexing),
    ("view", 0.4, step_view),
    ("cpu", 0.8, step_device),
    ("detach", 1.4, step_detach),
    ("data_attribute", 0.3, step_data),
    ("argmax", 0.8, step_argmax),
    ("comparison", 0.5, step_comparison),
    ("integer_cast", 0.4, step_integer_cast),
    ("item", 0.6, step_item),
    ("tolist", 0.15, step_tolist),
    ("requires_grad_", 0.3, step_requires_grad),
    ("model_call", 0.5, step_model_call),
    ("stack", 0.6, step_stack),
))


# ---------------------------------------------------------------------------------------------
# Steps that write statements


def step_expression(g: Generator, block: Block, v: Val) -> Val:
    """An expression step, its result often kept in a name (sometimes the same name again)."""
    result = g.expression_step(v)
    if result is v or g.b.chance(0.35):
        return result
    # Not in a loop: the next iteration would apply the step again, to its own result.
    again = v.expr if (v.own and v.expr.isidentifier() and result.kind == v.kind and not block.in_loop
                       and g.b.chance(0.35)) else None
    return block.bind(result, again=again)


def step_inplace(g: Generator, block: Block, v: Val) -> Val:
    """An in-place operation on the value, or copying it into a buffer made beforehand."""
    _need_float(v)
    if v.shape is None or v.inference:
        raise Unsuitable
    if g.b.chance(0.5) and not v.leaf:
        target = block.bind(v)
        text = g.b.pick([f"{target.expr}.mul_(0.5)", f"{target.expr} += 1", f"{target.expr}.clamp_(min=0)",
                         f"{target.expr}.add_(1.0)"])
        if target.shape and g.b.chance(0.3):
            text = f"{target.expr}[0] = 0"
        block.emit(text, "inplace")
        return target
    dims = ", ".join(str(size) for size in v.shape) if v.shape else "()"
    buffer = g.b.fresh("buffer", "accumulator", "canvas")
    block.emit(f"{buffer} = torch.zeros({dims})", "inplace")
    text = g.b.pick([f"{buffer}.copy_({v.expr})", f"{buffer} += {v.expr}", f"{buffer}.add_({v.expr})"])
    if v.shape and g.b.chance(0.3):
        text = f"{buffer}[:] = {v.expr}"
    block.emit(text, "inplace", values=[v])
    return replace(v, expr=buffer, atom=True, tags=frozenset(), leaf=False, own=True, noun="buffer")


def step_accumulate(g: Generator, block: Block, v: Val) -> Val:
    """``running_loss += loss`` (a tensor) or ``+= loss.item()`` (a float), usually in a loop."""
    _need_float(v)
    if v.shape != () or block.in_function:
        raise Unsuitable  # in a function, ``total += ...`` would need ``global total``
    total = g.b.fresh("running_loss", "total", "epoch_loss")
    g.b.flow_preamble(f"{total} = 0.0", "accumulate")
    if g.b.chance(0.45):
        block.emit(f"{total} += {v.receiver}.item()", "accumulate", "item", values=[v])
        return Val(total, shape=(), kind=NUMBER, noun="total")
    block.emit(f"{total} += {v.expr}", "accumulate", values=[v])
    return replace(v, expr=total, atom=True, tags=frozenset(), leaf=False, own=False, noun="total")


def step_backward(g: Generator, block: Block, v: Val) -> Val:
    """A training step on a loss made here: zero_grad, backward, step."""
    _need_float(v)
    if v.shape != () or v.grad is not True or v.noun != "loss" or block.grad is False:
        raise Unsuitable
    if v.expr.isidentifier() and block.in_loop:
        raise Unsuitable  # a loss made before the loop: its graph is gone after the first backward
    optimizer = g.b.context.optimizer()
    loss = block.bind(v, "loss")
    block.emit(f"{optimizer}.zero_grad()", "backward")
    block.emit(f"{loss.expr}.backward()", "backward")
    block.emit(f"{optimizer}.step()", "backward")
    return loss


def step_to_array(g: Generator, block: Block, v: Val) -> Val:
    """A conversion in the middle of the flow; the array goes on (to a plot, a metric)."""
    _need_tensor(v)
    converted = g.sink_expression(v)
    if converted.kind not in (ARRAY,):
        raise Unsuitable
    return block.bind(converted, v.noun + "_np", "array")


STEPS: Sequence[Ingredient[Callable[[Generator, Block, Val], Val]]] = tuple(Ingredient(*entry) for entry in (
    ("expression", 8.0, step_expression),
    ("inplace", 0.5, step_inplace),
    ("accumulate", 0.5, step_accumulate),
    ("backward", 0.6, step_backward),
    ("to_array", 0.6, step_to_array),
))


# ---------------------------------------------------------------------------------------------
# Sinks: where values become NumPy arrays (or look as if they might)


def _converted(v: Val, expr: str, *tags: str, noun: str = "") -> Val:
    return v.then(expr, *tags, kind=ARRAY, shape=v.shape, noun=noun or (v.noun + "_np"))


def _statement(v: Val, text: str, *tags: str) -> Val:
    """Lines that convert (separated by newlines); they cannot be part of an expression."""
    return v.then(text, *tags, kind=STATEMENT)


def sink_numpy(g: Generator, v: Val) -> Val:
    _need_tensor(v)
    r = v.receiver
    choice = g.rng.choices(["plain", "cpu", "to_cpu", "detach", "detach_cpu", "cpu_detach", "data", "force"],
                           weights=[3, 3, 0.5, 1.5, 2.5, 0.7, 0.5, 30 if "force" in g.b.prefer else 0.4])[0]
    if choice == "plain":
        return _converted(v, f"{r}.numpy()", "numpy")
    if choice == "cpu":
        return _converted(v, f"{r}.cpu().numpy()", "numpy", "cpu")
    if choice == "to_cpu":
        return _converted(v, f'{r}.to("cpu").numpy()', "numpy", "to")
    if choice == "detach":
        return _converted(v, f"{r}.detach().numpy()", "numpy", "detach")
    if choice == "detach_cpu":
        return _converted(v, f"{r}.detach().cpu().numpy()", "numpy", "detach", "cpu")
    if choice == "cpu_detach":
        return _converted(v, f"{r}.cpu().detach().numpy()", "numpy", "detach", "cpu")
    if choice == "data":
        return _converted(v, f"{r}.data.cpu().numpy()", "numpy", "data_attribute")
    return _converted(v, f"{r}.numpy(force=True)", "numpy", "force")


def sink_np_function(g: Generator, v: Val) -> Val:
    _need_tensor(v)
    g.b.need("import numpy as np")
    e = v.expr
    options = [f"np.asarray({e})", f"np.array({e})"]
    if v.dtype != FLOAT:
        return _converted(v, g.b.pick(options), "np_function")
    options += [f"np.array({e}, dtype=np.float32)", f"np.round({e}, 3)", f"np.clip({e}, 0, 1)", f"np.exp({e})"]
    if v.shape != ():
        options += [f"np.linalg.norm({e})", f"np.percentile({e}, 90)", f"np.histogram({e}, bins=4)[0]",
                    f"np.isfinite({e}).all()"]
    if v.shape is not None and _numel(v.shape) == 1 and v.dtype == FLOAT:
        options += [f"np.float32({e})", f"np.float64({e})"]
    return _converted(v, g.b.pick(options), "np_function")


def sink_matplotlib(g: Generator, v: Val) -> Val:
    if v.kind not in (TENSOR, TENSORS, NUMBERS, ARRAY) or (v.kind in (TENSOR, ARRAY) and v.shape in (None, ())):
        raise Unsuitable
    g.b.need("import matplotlib", "import matplotlib.pyplot as plt")
    e = v.expr
    tags = {TENSOR: "matplotlib", TENSORS: "container_sink", NUMBERS: "number_sink", ARRAY: "ndarray_sink"}[v.kind]
    if v.kind == TENSORS and v.shape not in ((), (4,), (3,), (2,)):
        raise Unsuitable  # a list of matrices is no line
    options = [f"plt.plot({e})"]
    if v.kind in (TENSOR, ARRAY) and v.shape is not None:
        options.append(f"plt.hist({e}, bins=4)")
        if len(v.shape) == 2:
            options.append(f"plt.imshow({e})")
            if v.shape[1] >= 2:
                options.append(f"plt.scatter({v.receiver}[:, 0], {v.receiver}[:, 1])")
        if len(v.shape) == 1:
            options.append(f"plt.bar(range({v.shape[0]}), {e})")
    if g.b.chance(0.3):
        figure, axes = g.b.fresh("fig"), g.b.fresh("ax", "axes")
        text = g.b.pick(options).replace("plt.", f"{axes}.", 1)
        return _statement(v, f"{figure}, {axes} = plt.subplots()\n{text}", tags, "matplotlib")
    return v.then(g.b.pick(options), tags, "matplotlib", kind=PLOT)


def sink_pandas(g: Generator, v: Val) -> Val:
    g.b.need("import pandas as pd")
    e = v.expr
    if v.kind == TENSORS and v.shape == ():
        return v.then(f'pd.DataFrame({{"loss": {e}}})', "pandas", "container_sink", kind=TABLE, noun="frame")
    if v.kind == NUMBERS:
        return v.then(f"pd.Series({e})", "pandas", "number_sink", kind=TABLE, noun="series")
    if v.kind != TENSOR or v.shape is None or len(v.shape) not in (1, 2):
        raise Unsuitable
    if len(v.shape) == 2:
        text = f"pd.DataFrame({e})"
    else:
        text = g.b.pick([f"pd.Series({e})", f'pd.DataFrame({{"value": {e}}})', f"pd.DataFrame({e})"])
    return v.then(text, "pandas", kind=TABLE, noun="frame")


def sink_sklearn(g: Generator, v: Val) -> Val:
    _need_tensor(v)
    g.b.need("import numpy as np")
    e = v.expr
    if v.dtype in (LONG, BOOL) and v.shape == (4,):
        g.b.need("from sklearn.metrics import accuracy_score")
        return v.then(f"accuracy_score({g.b.context.labels().expr}, {e})", "sklearn", kind=NUMBER, shape=(),
                      noun="accuracy")
    if v.dtype != FLOAT or v.shape is None or not v.shape or v.shape[0] < 2:
        raise Unsuitable
    if v.shape == (4,) and g.b.chance(0.4):
        g.b.need("from sklearn.metrics import roc_auc_score")
        return v.then(f"roc_auc_score([0, 1, 0, 1], {e})", "sklearn", kind=NUMBER, shape=(), noun="auc")
    dims = ", ".join(str(size) for size in v.shape)
    metric = g.b.pick(["mean_squared_error", "r2_score", "mean_absolute_error"])
    g.b.need(f"from sklearn.metrics import {metric}")
    return v.then(f"{metric}(np.zeros(({dims},)), {e})", "sklearn", kind=NUMBER, shape=(), noun="metric")


def sink_container(g: Generator, v: Val) -> Val:
    """NumPy on a list of tensors, arrays or floats."""
    g.b.need("import numpy as np")
    e = v.expr
    if v.kind == TENSORS:
        options = [f"np.array({e})", f"np.stack({e})"]
        if v.shape == ():
            options += [f"np.mean({e})", f"np.std({e})", f"np.sum({e})"]
        elif v.shape:
            options.append(f"np.concatenate({e})")
        return _converted(v, g.b.pick(options), "container_sink", noun="stacked")
    if v.kind == ARRAYS:
        return _converted(v, g.b.pick([f"np.concatenate({e})", f"np.stack({e})", f"np.mean({e})"]), "ndarray_sink",
                          noun="all_values")
    if v.kind == NUMBERS:
        return _converted(v, g.b.pick([f"np.mean({e})", f"np.array({e})", f"np.std({e})"]), "number_sink",
                          noun="mean_value")
    if v.kind == NUMBER:
        return _converted(v, g.b.pick([f"np.asarray({e})", f"np.float32({e})", f"np.round({e}, 2)"]), "number_sink",
                          noun="value_np")
    if v.kind == ARRAY:
        rounded = [f"np.round({e}, 2)"] if v.dtype == FLOAT else []
        return _converted(v, g.b.pick([f"np.asarray({e})", f"{v.receiver}.mean()"] + rounded), "ndarray_sink")
    raise Unsuitable


def sink_array_arithmetic(g: Generator, v: Val) -> Val:
    """The tensor met with a NumPy array in arithmetic, on the left: NumPy converts it (DET104);
    without grad the result is a tensor. An ndarray on the left raises TypeError: never written."""
    _need_tensor(v)
    _need_float(v)
    if v.shape is None or v.shape == ():
        raise Unsuitable
    g.b.need("import numpy as np")
    dims = ", ".join(str(size) for size in v.shape)
    array = g.b.pick([f"np.zeros(({dims},), dtype=np.float32)", f"np.ones(({dims},), dtype=np.float32)",
                      f"np.full(({dims},), 0.5, dtype=np.float32)", f"np.random.rand({dims}).astype(np.float32)"])
    operator = g.b.pick(["-", "+", "*"])
    return v.then(f"{v.receiver} {operator} {array}", "array_arithmetic", atom=False, noun="offset")


def sink_not_a_conversion(g: Generator, v: Val) -> Val:
    """Uses that never convert: .tolist(), .item(), printing a float."""
    _need_tensor(v)
    if v.shape is not None and _numel(v.shape) == 1 and g.b.chance(0.5):
        return v.then(f"{v.receiver}.item()", "item", kind=NUMBER, noun="value")
    return v.then(f"{v.receiver}.tolist()", "tolist", kind=NUMBERS, noun="values")


SINKS: Sequence[Ingredient[Callable[[Generator, Val], Val]]] = tuple(Ingredient(*entry) for entry in (
    ("numpy", 3.0, sink_numpy),
    ("np_function", 1.5, sink_np_function),
    ("matplotlib", 1.2, sink_matplotlib),
    ("pandas", 0.5, sink_pandas),
    ("sklearn", 0.5, sink_sklearn),
    ("container_sink", 2.0, sink_container),
    ("array_arithmetic", 0.6, sink_array_arithmetic),
    ("not_a_conversion", 0.2, sink_not_a_conversion),
))


# ---------------------------------------------------------------------------------------------
# Regions: statements that hold the next stages


ANY, REST, EXPRESSION, VALUE, NONE = "any", "rest", "expression", "value", "none"


@dataclass(frozen=True)
class Region:
    tag: str
    weight: float
    policy: str  # how many of the following stages go inside (see ``split``)
    needs_value: bool
    apply: Callable[[Generator, Block, Optional[Val], Body], Result]

    def split(self, rng: random.Random, budget: int, terminal: bool) -> Tuple[int, bool]:
        """How many of the ``budget`` stages left go inside, and whether the conversion does."""
        if self.policy == REST:
            return budget, terminal
        if self.policy == NONE:
            return 0, False
        if self.policy == EXPRESSION:
            inner = min(rng.randint(0, 1), budget)
            return inner, terminal and inner == budget and rng.random() < 0.6
        inner = rng.randint(min(1, budget), budget)
        if self.policy == VALUE:
            return inner, False
        return inner, terminal and inner == budget and rng.random() < 0.7


def _leave(block: Block, result: Result, inner: Block) -> Result:
    """Go on after a compound statement, with the value made inside kept in a name."""
    del inner
    if result is None:
        return None
    where, value = result
    return block, where.bind(value)


def _parameter(g: Generator, v: Val, *names: str) -> Val:
    """``v`` as a function sees it: a parameter of the same kind."""
    name = g.b.fresh(*(names or ("t", "tensor", "values", "outputs", "preds", "logits")))
    return replace(v, expr=name, atom=True, tags=frozenset(), own=True, leaf=v.leaf)


_MODES = {
    # kind: (header, tags, grad mode inside)
    "no_grad": ("with torch.no_grad():", ("no_grad",), False),
    "inference_mode": ("with torch.inference_mode():", ("inference_mode",), False),
    "set_grad_enabled": ("with torch.set_grad_enabled(False):", ("set_grad_enabled",), False),
    "enable_grad": ("with torch.enable_grad():", ("enable_grad",), True),
}


def region_grad_mode(g: Generator, block: Block, v: Optional[Val], body: Body) -> Result:
    g.b.need("import torch")
    kind = g.rng.choices(["no_grad", "inference_mode", "set_grad_enabled", "enable_grad", "flag", "statement"],
                         weights=[4, 1.2, 0.6, 0.8 if block.grad is False else 0.3, 0.5, 0.5])[0]
    for construct in ("no_grad", "inference_mode", "set_grad_enabled", "enable_grad"):
        if construct in g.b.prefer and g.b.chance(0.8):
            kind = construct
    nested = ("nested_modes",) if block.grad is not True else ()
    if kind == "statement":
        block.emit("torch.set_grad_enabled(False)", "set_grad_enabled", *nested)
        inside = replace(block, grad=False)
        result = body(inside, v)
        if result is not None:
            where, value = result
            result = where, where.bind(value)
        block.emit("torch.set_grad_enabled(True)", "set_grad_enabled")
        return None if result is None else (block, result[1])
    if kind == "flag":
        flag = g.b.fresh("training", "is_train", "grad_enabled")
        setting = g.b.chance(0.5)
        g.b.flow_preamble(f"{flag} = {setting}", "set_grad_enabled")
        header, tags, grad = f"with torch.set_grad_enabled({flag}):", ("set_grad_enabled",), setting
    else:
        header, tags, grad = _MODES[kind]
    child = block.open(header, *tags, *nested, grad=grad)
    result = body(child, v)
    if result is not None and kind == "inference_mode":
        where, value = result
        result = where, replace(value, inference=True)
    return _leave(block, result, child)


def region_loop(g: Generator, block: Block, v: Optional[Val], body: Body) -> Result:
    choice = g.b.pick(["epoch", "epoch", "step", "loader", "enumerate"])
    if choice in ("loader", "enumerate"):
        loader = g.b.context.loader()
        header = f"for xb, yb in {loader}:" if choice == "loader" else f"for i, (xb, yb) in enumerate({loader}):"
        g.b.taken.update({"xb", "yb"})
        variable = "xb"
    else:
        header, variable = f"for {choice} in range({g.rng.randint(2, 3)}):", choice
    child = block.open(header, "loop", in_loop=True, loop_variable=variable)
    return _leave(block, body(child, v), child)


def _condition(g: Generator, block: Block, v: Optional[Val], constant: bool) -> Tuple[str, str]:
    """A condition and its tag."""
    if constant:
        choice = g.b.pick(["flag", "flag", "true"])
        if choice == "true":
            return "True", "if_const"
        flag = g.b.fresh("DEBUG", "PLOT", "VERBOSE", "SHOW")
        g.b.flow_preamble(f"{flag} = {g.b.pick(['True', 'True', 'False'])}", "if_const")
        return flag, "if_const"
    options = ["torch.rand(1).item() > 0.5", "len(sys.argv) > 5", "torch.is_grad_enabled()"]
    if block.loop_variable in ("epoch", "step"):
        options += [f"{block.loop_variable} % 2 == 0", f"{block.loop_variable} == 1"] * 2
    if v is not None and v.kind == TENSOR and v.dtype == FLOAT and not v.inference:
        options.append(f"{v.receiver}.sum() > 0")
    condition = g.b.pick(options)
    if "sys." in condition:
        g.b.need("import sys")
    return condition, "if_runtime"


def region_if(g: Generator, block: Block, v: Optional[Val], body: Body) -> Result:
    """``if`` around the rest of the flow, conversion included (an ``else`` may convert too)."""
    if not body.terminal:
        raise Unsuitable
    condition, tag = _condition(g, block, v, constant=g.b.chance(0.4))
    child = block.open(f"if {condition}:", tag)
    body(child, v)
    if v is not None and g.b.chance(0.35):
        otherwise = block.open("else:", tag)
        g.sink(otherwise, v)
    return None


def region_branch(g: Generator, block: Block, v: Optional[Val], body: Body) -> Result:
    """``if c: out = <a> else: out = <b>``, the flow going on with ``out``."""
    if v is None or v.kind != TENSOR:
        raise Unsuitable
    v = block.bind(v)
    condition, tag = _condition(g, block, v, constant=g.b.chance(0.3))
    r = v.receiver
    name = v.expr if v.own and g.b.chance(0.5) else g.b.fresh(v.noun)
    options = [f"{r}.detach()", f"{r}.detach()", f"{r}.cpu()", f"{r}.clone()"] + ([] if name == v.expr else [r])
    if v.dtype == FLOAT:
        options += [f"{r} * 2", f"torch.relu({r})"]
    first, second = g.rng.sample(options, 2)
    branch = block.open(f"if {condition}:", tag, "branch")
    branch.emit(f"{name} = {first}", *(("detach",) if "detach" in first else ()))
    otherwise = block.open("else:", tag, "branch")
    otherwise.emit(f"{name} = {second}", *(("detach",) if "detach" in second else ()))
    return block, replace(v, expr=name, atom=True, own=True, leaf=False)


def region_requires_grad_guard(g: Generator, block: Block, v: Optional[Val], body: Body) -> Result:
    """``if t.requires_grad: t = t.detach()``."""
    if v is None or v.kind != TENSOR:
        raise Unsuitable
    if not (v.own and v.expr.isidentifier()):
        name = g.b.fresh(v.noun)
        block.emit(f"{name} = {v.expr}", values=[v])
        v = replace(v, expr=name, atom=True, tags=frozenset(), own=True)
    guard = block.open(f"if {v.expr}.requires_grad:", "requires_grad_guard")
    guard.emit(f"{v.expr} = {v.expr}.detach()", "detach", "requires_grad_guard")
    return block, replace(v, leaf=False)


def region_main_guard(g: Generator, block: Block, v: Optional[Val], body: Body) -> Result:
    if block.depth or not block.module_level or not body.terminal or "main_guard" in g.b.context.made:
        raise Unsuitable
    g.b.context.made["main_guard"] = True
    child = block.open('if __name__ == "__main__":', "main_guard")
    return body(child, v)


def region_try(g: Generator, block: Block, v: Optional[Val], body: Body) -> Result:
    child = block.open("try:", "try")
    result = body(child, v)
    if result is not None:
        where, value = result
        result = where, where.bind(value)
    handler = g.b.pick(["exception", "tuple", "finally", "fallback"])
    if handler == "finally":
        block.open("finally:", "try").emit('print("done")')
    elif handler == "tuple":
        block.open("except (KeyError, ValueError):", "try").emit("pass")
    elif handler == "fallback" and v is not None and v.kind == TENSOR and body.terminal:
        fallback = block.open("except RuntimeError:", "try")
        g.write_sink(fallback, _converted(v, f"{v.receiver}.detach().cpu().numpy()", "numpy", "detach", "cpu"))
    else:
        block.open("except Exception as err:", "try").emit('print(f"skipped: {err}")')
    return None if result is None else (block, result[1])


_DECORATORS = {
    "@torch.no_grad()": "no_grad",
    "@torch.no_grad": "no_grad",
    "@torch.inference_mode()": "inference_mode",
    "@torch.enable_grad()": "enable_grad",
}


def region_helper(g: Generator, block: Block, v: Optional[Val], body: Body) -> Result:
    """A function of the program: the stages run in its body, called from here."""
    g.b.need("import torch")
    names = (["to_numpy", "log_values", "plot_tensor", "save_array", "report", "visualize", "export", "summarize"]
             if body.terminal else ["postprocess", "predict", "compute", "transform", "forward_pass", "get_scores",
                                    "evaluate", "infer"])
    name = g.b.fresh(*g.rng.sample(names, len(names)))
    tags = ["helper"] + (["helper_chain"] if block.in_function else [])
    definition = g.b.definition_block()
    decorator = g.b.pick(sorted(_DECORATORS)) if g.b.want("decorator", 0.2) else None
    grad: Optional[bool] = None
    if decorator is not None:
        definition.emit(decorator, "decorator", _DECORATORS[decorator])
        grad = _DECORATORS[decorator] == "enable_grad"
    parameter = None if v is None else _parameter(g, v)
    early = parameter is not None and g.b.want("early_return", 0.15)
    # The other path returns a value of the same kind, unless nothing uses what is returned.
    flag = g.b.pick(["raw", "detach", "as_list"] if body.terminal else ["raw", "detach"]) if early else ""
    signature = "" if parameter is None else parameter.expr + (f", {flag}=False" if early else "")
    function = definition.open(f"def {name}({signature}):", *tags, in_function=True, module_level=False,
                               grad=grad, in_loop=False, loop_variable=None)
    if early and parameter is not None:
        alternative = {"raw": parameter.expr, "detach": f"{parameter.expr}.detach()",
                       "as_list": f"{parameter.expr}.tolist()"}[flag]
        function.open(f"if {flag}:", "early_return").emit(f"return {alternative}", "early_return")
    result = body(function, parameter)
    returned: Optional[Val] = None
    if result is not None:
        where, returned = result
        if not early and g.b.want("tuple", 0.1):
            where.emit(f"return {returned.expr}, {parameter.expr if parameter else 'None'}", "tuple", values=[returned])
            returned = replace(returned, tags=frozenset({"tuple"}))
        else:
            where.emit(f"return {returned.expr}", values=[returned])
    arguments = "" if v is None else v.expr + (f", {flag}={g.b.pick(['True', 'False'])}" if early else "")
    call = f"{name}({arguments})"
    call_tags = tags + (["early_return"] if early else [])
    values = [] if v is None else [v]
    if g.b.want("both_modes", 0.15):
        first = block.open("with torch.no_grad():", "no_grad", "both_modes")
        first.emit(call, *call_tags, "both_modes", values=values)
        call_tags.append("both_modes")
    if returned is None:
        if v is None and block.depth == 0 and block.module_level and g.b.chance(0.3) \
                and "main_guard" not in g.b.context.made:
            g.b.context.made["main_guard"] = True
            block = block.open('if __name__ == "__main__":', "main_guard")
        if g.b.chance(0.3):
            block.emit(f"{g.b.fresh('result', 'arrays')} = {call}", *call_tags, values=values)
        else:
            block.emit(call, *call_tags, values=values)
        return None
    if "tuple" in returned.tags:
        first_name = g.b.fresh(returned.noun)
        block.emit(f"{first_name}, _ = {call}", *call_tags, "tuple", values=values)
        return block, replace(returned, expr=first_name, atom=True, tags=frozenset(), own=True, leaf=False)
    value = replace(returned, expr=call, atom=True, tags=frozenset(call_tags) | (v.tags if v else frozenset()),
                    leaf=False, own=False)
    return block, block.bind(value)


def region_method(g: Generator, block: Block, v: Optional[Val], body: Body) -> Result:
    """An attribute set in one method and read in another."""
    if v is None:
        raise Unsuitable
    cls = g.b.fresh("FeatureStore", "Tracker", "Recorder", "OutputCache")
    attribute = g.b.pick(["latest", "last_output", "value", "cached"])
    getter = g.b.pick(["export", "summary", "result", "compute"])
    parameter = _parameter(g, v, "value", "tensor", "output")
    definition = g.b.definition_block()
    body_block = definition.open(f"class {cls}:", "attribute_across_methods")
    body_block.open("def __init__(self):").emit(f"self.{attribute} = None")
    update = body_block.open(f"def update(self, {parameter.expr}):", "attribute_across_methods")
    stored = g.expression_step(parameter) if g.b.chance(0.3) else parameter
    update.emit(f"self.{attribute} = {stored.expr}", "attribute_across_methods", values=[stored])
    method = body_block.open(f"def {getter}(self):", "attribute_across_methods", in_function=True,
                             module_level=False, grad=None, in_loop=False, loop_variable=None)
    result = body(method, replace(stored, expr=f"self.{attribute}", atom=True, tags=frozenset(), own=False))
    if result is not None:
        where, returned = result
        where.emit(f"return {returned.expr}", values=[returned])
    instance = g.b.fresh(cls.lower()[:7], "tracker")
    g.b.flow_preamble(f"{instance} = {cls}()", "attribute_across_methods")
    block.emit(f"{instance}.update({v.expr})", "attribute_across_methods", values=[v])
    call = f"{instance}.{getter}()"
    if result is None:
        block.emit(call, "attribute_across_methods")
        return None
    return block, block.bind(replace(result[1], expr=call, atom=True, tags=frozenset({"attribute_across_methods"}),
                                     own=False, leaf=False))


def region_constructor(g: Generator, block: Block, v: Optional[Val], body: Body) -> Result:
    """A value handed to a constructor and kept as an attribute."""
    if v is None:
        raise Unsuitable
    cls = g.b.fresh("Prediction", "Snapshot", "BatchResult", "Sample")
    attribute = g.b.pick(["scores", "tensor", "data", "outputs"])
    parameter = _parameter(g, v, attribute)
    definition = g.b.definition_block()
    body_block = definition.open(f"class {cls}:", "constructor_argument")
    init = body_block.open(f'def __init__(self, {parameter.expr}, name="output"):', "constructor_argument")
    init.emit(f"self.{attribute} = {parameter.expr}", "constructor_argument")
    init.emit("self.name = name")
    instance = g.b.fresh(cls.lower(), "result")
    inside_method = g.b.chance(0.5)
    if inside_method:
        method_name = g.b.pick(["as_numpy", "to_array", "values", "render"])
        method = body_block.open(f"def {method_name}(self):", "constructor_argument", in_function=True,
                                 module_level=False, grad=None, in_loop=False, loop_variable=None)
        result = body(method, replace(parameter, expr=f"self.{attribute}", own=False))
        if result is not None:
            where, returned = result
            where.emit(f"return {returned.expr}", values=[returned])
        block.emit(f"{instance} = {cls}({v.expr})", "constructor_argument", values=[v])
        call = f"{instance}.{method_name}()"
        if result is None:
            block.emit(call)
            return None
        return block, block.bind(replace(result[1], expr=call, atom=True, tags=frozenset(), own=False, leaf=False))
    block.emit(f"{instance} = {cls}({v.expr})", "constructor_argument", values=[v])
    return body(block, replace(v, expr=f"{instance}.{attribute}", atom=True, tags=frozenset({"constructor_argument"}),
                               own=False, leaf=False))


def region_dataclass(g: Generator, block: Block, v: Optional[Val], body: Body) -> Result:
    if v is None:
        raise Unsuitable
    g.b.need("from dataclasses import dataclass")
    cls = g.b.fresh("StepOutput", "EvalResult", "Record")
    field_name = g.b.pick(["logits", "loss", "embedding", "prediction"])
    definition = g.b.definition_block()
    definition.emit("@dataclass", "dataclass")
    fields = definition.open(f"class {cls}:", "dataclass")
    fields.emit(f"{field_name}: torch.Tensor", "dataclass")
    fields.emit("step: int = 0")
    instance = g.b.fresh("record", "output", "entry")
    argument = v.expr if g.b.chance(0.5) else f"{field_name}={v.expr}"
    block.emit(f"{instance} = {cls}({argument})", "dataclass", values=[v])
    return block, replace(v, expr=f"{instance}.{field_name}", atom=True, tags=frozenset({"dataclass"}), own=False,
                          leaf=False)


def region_namedtuple(g: Generator, block: Block, v: Optional[Val], body: Body) -> Result:
    if v is None:
        raise Unsuitable
    g.b.need("from collections import namedtuple")
    cls = g.b.fresh("Output", "Batch", "Pair")
    first, second = g.b.pick(["logits", "prediction", "value"]), g.b.pick(["target", "extra", "label"])
    g.b.definition_block().emit(f'{cls} = namedtuple("{cls}", ["{first}", "{second}"])', "namedtuple")
    instance = g.b.fresh("result", "item", "sample")
    block.emit(f"{instance} = {cls}({v.expr}, {g.b.context.inputs().expr})", "namedtuple", values=[v])
    access = g.b.pick(["attribute", "index", "unpack"])
    if access == "unpack":
        name = g.b.fresh(v.noun)
        block.emit(f"{name}, _ = {instance}", "namedtuple")
        return block, replace(v, expr=name, atom=True, tags=frozenset(), own=True, leaf=False)
    expr = f"{instance}.{first}" if access == "attribute" else f"{instance}[0]"
    return block, replace(v, expr=expr, atom=True, tags=frozenset({"namedtuple"}), own=False, leaf=False)


def region_tuple(g: Generator, block: Block, v: Optional[Val], body: Body) -> Result:
    if v is None:
        raise Unsuitable
    pair = g.b.fresh("pair", "batch_out", "outputs")
    block.emit(f"{pair} = ({v.expr}, {g.b.context.inputs().expr})", "tuple", values=[v])
    if g.b.chance(0.5):
        name = g.b.fresh(v.noun)
        block.emit(f"{name}, _ = {pair}", "tuple")
        return block, replace(v, expr=name, atom=True, tags=frozenset(), own=True, leaf=False)
    return block, replace(v, expr=f"{pair}[0]", atom=True, tags=frozenset({"tuple"}), own=False, leaf=False)


_LIST_OF = {TENSOR: TENSORS, NUMBER: NUMBERS, ARRAY: ARRAYS}


def region_list(g: Generator, block: Block, v: Optional[Val], body: Body) -> Result:
    if v is None or v.kind not in _LIST_OF or v.shape is None:
        raise Unsuitable  # tensors of unknown shapes (every parameter) make no array
    items = g.b.fresh(*{TENSOR: ("outputs", "losses", "history", "all_preds"), NUMBER: ("losses", "values", "scores"),
                        ARRAY: ("all_preds", "arrays", "batches")}[v.kind])
    g.b.flow_preamble(f"{items} = []", "list")
    block.emit(f"{items}.append({v.expr})", "list", values=[v])
    if g.b.chance(0.3) and v.kind == TENSOR:
        return block, replace(v, expr=f"{items}[-1]", atom=True, tags=frozenset({"list"}), own=False, leaf=False)
    return block, replace(v, expr=items, kind=_LIST_OF[v.kind], atom=True, tags=frozenset({"list"}), own=False,
                          leaf=False)


def region_dict(g: Generator, block: Block, v: Optional[Val], body: Body) -> Result:
    if v is None or v.kind not in _LIST_OF or v.shape is None:
        raise Unsuitable
    key = g.b.pick(["loss", "logits", "features", "output", "weights"])
    name = g.b.fresh("metrics", "logs", "outputs", "cache", "results")
    choice = g.b.pick(["item", "literal", "defaultdict"])
    if choice == "defaultdict":
        g.b.need("from collections import defaultdict")
        g.b.flow_preamble(f"{name} = defaultdict(list)", "defaultdict")
        block.emit(f'{name}["{key}"].append({v.expr})', "defaultdict", values=[v])
        return block, replace(v, expr=f'{name}["{key}"]', kind=_LIST_OF[v.kind], atom=True,
                              tags=frozenset({"defaultdict"}), own=False, leaf=False)
    if choice == "literal":
        block.emit(f'{name} = {{"{key}": {v.expr}, "step": 0}}', "dict", values=[v])
    else:
        g.b.flow_preamble(f"{name} = {{}}", "dict")
        block.emit(f'{name}["{key}"] = {v.expr}', "dict", values=[v])
    access = f'{name}["{key}"]' if g.b.chance(0.7) else f'{name}.get("{key}")'
    return block, replace(v, expr=access, atom=True, tags=frozenset({"dict"}), own=False, leaf=False)


def region_closure(g: Generator, block: Block, v: Optional[Val], body: Body) -> Result:
    if v is None:
        raise Unsuitable
    factory = g.b.fresh("make_reader", "make_getter", "bind_tensor")
    inner = g.b.pick(["read", "get", "inner"])
    parameter = _parameter(g, v)
    definition = g.b.definition_block()
    outer = definition.open(f"def {factory}({parameter.expr}):", "closure")
    nested = outer.open(f"def {inner}():", "closure", in_function=True, module_level=False, grad=None,
                        in_loop=False, loop_variable=None)
    result = body(nested, replace(parameter, own=False))
    if result is not None:
        where, returned = result
        where.emit(f"return {returned.expr}", values=[returned])
    outer.emit(f"return {inner}", "closure")
    function = g.b.fresh("reader", "getter", "fn")
    block.emit(f"{function} = {factory}({v.expr})", "closure", values=[v])
    if result is None:
        block.emit(f"{function}()", "closure")
        return None
    return block, block.bind(replace(result[1], expr=f"{function}()", atom=True, tags=frozenset({"closure"}),
                                     own=False, leaf=False))


def region_generator(g: Generator, block: Block, v: Optional[Val], body: Body) -> Result:
    if v is None:
        raise Unsuitable
    name = g.b.fresh("stream", "iterate", "batches", "rollout")
    parameter = _parameter(g, v)
    definition = g.b.definition_block()
    function = definition.open(f"def {name}({parameter.expr}, steps=2):", "generator")
    loop = function.open("for step in range(steps):", "generator", in_function=True, module_level=False, grad=None,
                         in_loop=True, loop_variable="step")
    result = body(loop, parameter)
    assert result is not None  # a VALUE region's body never converts
    where, produced = result
    where.emit(f"yield {produced.expr}", "generator", values=[produced])
    item = g.b.fresh(produced.noun, "item")
    consumer = g.b.pick(["for", "for", "next", "list"])
    fresh = replace(produced, expr=item, atom=True, tags=frozenset(), own=True, leaf=False)
    if consumer == "next":
        block.emit(f"{item} = next({name}({v.expr}))", "generator", values=[v])
        return block, fresh
    if consumer == "list" and produced.kind in _LIST_OF:
        block.emit(f"{item} = list({name}({v.expr}))", "generator", values=[v])
        return block, replace(fresh, kind=_LIST_OF[produced.kind])
    loop_block = block.open(f"for {item} in {name}({v.expr}):", "generator", "loop", values=[v], in_loop=True,
                            loop_variable=None)
    return loop_block, fresh


def region_lambda(g: Generator, block: Block, v: Optional[Val], body: Body) -> Result:
    if v is None:
        raise Unsuitable
    if g.b.chance(0.25) and not body.terminal:
        getter = g.b.fresh("get_output", "current")
        block.emit(f"{getter} = lambda: {v.expr}", "lambda", "closure", values=[v])
        return block, replace(v, expr=f"{getter}()", atom=True, tags=frozenset({"lambda"}), own=False, leaf=False)
    parameter = _parameter(g, v, "t")
    g.b.taken.discard(parameter.expr)  # a lambda's parameter is local to it
    inner = body.expression(parameter)
    if inner.kind == STATEMENT:
        raise Unsuitable
    function = g.b.fresh(*(["to_np", "convert", "as_array"] if body.terminal else ["transform", "scale", "prepare"]))
    block.emit(f"{function} = lambda {parameter.expr}: {inner.expr}", "lambda", values=[inner])
    call = f"{function}({v.expr})"
    if body.terminal:
        g.write_sink(block, replace(inner, expr=call, tags=frozenset({"lambda"}) | v.tags))
        return None
    return block, block.bind(replace(inner, expr=call, atom=True, tags=frozenset({"lambda"}) | v.tags, own=False,
                                     leaf=False))


def region_partial(g: Generator, block: Block, v: Optional[Val], body: Body) -> Result:
    if v is None or v.kind != TENSOR:
        raise Unsuitable
    g.b.need("from functools import partial")
    if body.terminal and g.b.chance(0.5):
        g.b.need("import numpy as np")
        library = g.b.pick(["partial(np.asarray, dtype=np.float32)", "partial(np.round, decimals=2)",
                            "partial(np.array, copy=True)"])
        function = g.b.fresh("to_array", "convert")
        g.b.flow_preamble(f"{function} = {library}", "partial")
        g.write_sink(block, _converted(v, f"{function}({v.expr})", "partial", "np_function"))
        return None
    helper = g.b.fresh("rescale", "apply_scale", "weighted")
    parameter = _parameter(g, v)
    definition = g.b.definition_block()
    function_block = definition.open(f"def {helper}({parameter.expr}, factor):", "partial", in_function=True,
                                     module_level=False, grad=None, in_loop=False, loop_variable=None)
    scaled = parameter.then(f"{parameter.receiver} * factor", "arithmetic", atom=False) \
        if parameter.is_float_tensor else parameter
    result = body(function_block, scaled)
    if result is not None:
        where, returned = result
        where.emit(f"return {returned.expr}", values=[returned])
    bound = g.b.fresh("scaled_fn", "apply")
    block.emit(f"{bound} = partial({helper}, factor=2.0)", "partial")
    call = f"{bound}({v.expr})"
    if result is None:
        block.emit(call, "partial", values=[v])
        return None
    return block, block.bind(replace(result[1], expr=call, atom=True, tags=frozenset({"partial"}) | v.tags,
                                     own=False, leaf=False))


def region_callback(g: Generator, block: Block, v: Optional[Val], body: Body) -> Result:
    if v is None or not body.terminal:
        raise Unsuitable
    name = g.b.fresh("on_batch_end", "on_epoch_end", "log_outputs", "on_step")
    parameter = _parameter(g, v, "outputs", "value", "tensor")
    definition = g.b.definition_block()
    function = definition.open(f"def {name}({parameter.expr}):", "callback", in_function=True, module_level=False,
                               grad=None, in_loop=False, loop_variable=None)
    body(function, parameter)
    if g.b.chance(0.5):
        callbacks = g.b.fresh("callbacks", "hooks")
        g.b.flow_preamble(f"{callbacks} = [{name}]", "callback")
        loop = block.open(f"for callback in {callbacks}:", "callback")
        loop.emit(f"callback({v.expr})", "callback", values=[v])
        return None
    trainer = g.b.fresh("Trainer", "EventBus")
    definition = g.b.definition_block()
    cls = definition.open(f"class {trainer}:", "callback")
    cls.open("def __init__(self, callbacks):").emit("self.callbacks = list(callbacks)")
    fire = cls.open("def fire(self, value):", "callback")
    fire.open("for callback in self.callbacks:").emit("callback(value)", "callback")
    instance = g.b.fresh(trainer.lower(), "bus")
    g.b.flow_preamble(f"{instance} = {trainer}([{name}])", "callback")
    block.emit(f"{instance}.fire({v.expr})", "callback", values=[v])
    return None


def region_hook(g: Generator, block: Block, v: Optional[Val], body: Body) -> Result:
    """A forward hook: the stages run on a layer's output inside the hook, during a model call."""
    if v is not None:
        raise Unsuitable
    model = g.model()
    layer, shape = model.layers[g.rng.randrange(len(model.layers))]
    store = g.b.fresh("activations", "features", "captured")
    key = re.sub(r"\W+", "_", layer.split(".", 1)[-1]).strip("_")
    inputs = _inputs(g, block)
    shape = (inputs.shape or INPUT_SHAPE)[:1] + shape[1:]
    definition = g.b.definition_block()
    closure = g.b.chance(0.4)
    parameter = Val("output", shape=shape, grad=True, noun="activation", own=True, in_hook=True)
    if closure:
        factory_name = g.b.fresh("get_activation", "make_hook")
        outer = definition.open(f"def {factory_name}(name):", "forward_hook", "closure")
        hook_block = outer.open("def hook(module, inputs, output):", "forward_hook", in_function=True,
                                module_level=False, grad=None, in_loop=False, loop_variable=None,
                                may_return=False)
        target = f"{store}[name]"
        registered = f'{factory_name}("{key}")'
    else:
        hook_name = g.b.fresh("save_output", "hook_fn", "capture")
        hook_block = definition.open(f"def {hook_name}(module, inputs, output):", "forward_hook", in_function=True,
                                     module_level=False, grad=None, in_loop=False, loop_variable=None,
                                     may_return=False)
        target = f'{store}["{key}"]'
        registered = hook_name
    result = body(hook_block, parameter)
    if result is not None:
        where, kept = result
        where.emit(f"{target} = {kept.expr}", "forward_hook", values=[kept])
    if closure:
        outer.emit("return hook", "closure")
    g.b.flow_preamble(f"{store} = {{}}", "forward_hook")
    handle = g.b.fresh("handle", "hook_handle")
    block.emit(f"{handle} = {layer}.register_forward_hook({registered})", "forward_hook")
    call = f"{model.name}({inputs.expr})"
    if g.b.chance(0.5):
        block.emit(f"{g.b.fresh('logits', 'out')} = {call}", model.tag, "forward_hook")
    else:
        block.emit(call, model.tag, "forward_hook")
    if g.b.chance(0.6):
        block.emit(f"{handle}.remove()", "forward_hook")
    if result is None:
        return None
    return block, replace(result[1], expr=f'{store}["{key}"]', atom=True, tags=frozenset({"forward_hook"}),
                          own=False, leaf=False, in_hook=False)


def region_star_args(g: Generator, block: Block, v: Optional[Val], body: Body) -> Result:
    if v is None or v.kind != TENSOR:
        raise Unsuitable
    name = g.b.fresh("log_tensors", "show_all", "collect") if body.terminal else g.b.fresh("first_of", "pick")
    pack = g.b.pick(["tensors", "args", "values"])
    definition = g.b.definition_block()
    function = definition.open(f"def {name}(*{pack}):", "star_args", in_function=True, module_level=False,
                               grad=None, in_loop=False, loop_variable=None)
    element = _parameter(g, v, "t", "item")
    call = f"{name}({v.expr}, torch.zeros_like({v.expr}))"
    if body.terminal:
        loop = function.open(f"for {element.expr} in {pack}:", "star_args", "loop", in_loop=True,
                             loop_variable=None)
        body(loop, element)
        block.emit(call, "star_args", values=[v])
        return None
    result = body(function, replace(element, expr=f"{pack}[0]", own=False))
    assert result is not None
    where, returned = result
    where.emit(f"return {returned.expr}", values=[returned])
    return block, block.bind(replace(returned, expr=call, atom=True, tags=frozenset({"star_args"}) | v.tags,
                                     own=False, leaf=False))


def region_recursion(g: Generator, block: Block, v: Optional[Val], body: Body) -> Result:
    if v is None or v.kind != TENSOR:
        raise Unsuitable
    definition = g.b.definition_block()
    if body.terminal:
        name = g.b.fresh("to_numpy", "tree_to_numpy", "convert_all")
        function = definition.open(f"def {name}(obj):", "recursion")
        function.open("if isinstance(obj, dict):", "recursion").emit(
            f"return {{key: {name}(item) for key, item in obj.items()}}", "recursion")
        function.open("if isinstance(obj, (list, tuple)):", "recursion").emit(
            f"return [{name}(item) for item in obj]", "recursion")
        leaf = body.expression(Val("obj", shape=v.shape, dtype=v.dtype, grad=v.grad, noun="obj", own=True))
        if leaf.kind in (STATEMENT, PLOT):
            leaf = _converted(leaf, "obj.cpu().numpy()", "numpy", "cpu")
        function.emit(f"return {leaf.expr}", values=[leaf])
        argument = g.b.pick([f'{{"{v.noun}": {v.expr}}}', f"[{v.expr}]", f'{{"out": [{v.expr}]}}'])
        block.emit(f"{g.b.fresh('arrays', 'converted')} = {name}({argument})", "recursion", values=[v])
        return None
    name = g.b.fresh("smooth", "refine", "iterate_update")
    parameter = _parameter(g, v, "t")
    function = definition.open(f"def {name}({parameter.expr}, depth):", "recursion")
    function.open("if depth == 0:", "recursion").emit(f"return {parameter.expr}")
    stepped = body.expression(parameter) if body.budget else parameter.then(f"{parameter.receiver} * 0.5",
                                                                            "arithmetic", atom=False)
    if stepped.kind != v.kind or stepped.shape != v.shape or stepped.dtype != v.dtype:
        stepped = parameter.then(f"{parameter.receiver} * 0.5", "arithmetic", atom=False) \
            if parameter.is_float_tensor else parameter
    function.emit(f"return {name}({stepped.expr}, depth - 1)", "recursion", values=[stepped])
    return block, block.bind(replace(stepped, expr=f"{name}({v.expr}, 2)", atom=True,
                                     tags=frozenset({"recursion"}) | v.tags, own=False, leaf=False))


def region_module_global(g: Generator, block: Block, v: Optional[Val], body: Body) -> Result:
    """A module-level value read by a function through its global name."""
    if v is None or block.depth or not block.module_level:
        raise Unsuitable
    held = block.bind(v)
    name = g.b.fresh(*(["plot_latest", "report", "dump"] if body.terminal else ["current_value", "latest"]))
    definition = g.b.definition_block()
    function = definition.open(f"def {name}():", "module_global", in_function=True, module_level=False, grad=None,
                               in_loop=False, loop_variable=None)
    result = body(function, replace(held, own=False, tags=frozenset({"module_global"})))
    if result is None:
        block.emit(f"{name}()", "module_global")
        return None
    where, returned = result
    where.emit(f"return {returned.expr}", values=[returned])
    return block, block.bind(replace(returned, expr=f"{name}()", atom=True, tags=frozenset({"module_global"}),
                                     own=False, leaf=False))


def region_numpy_method(g: Generator, block: Block, v: Optional[Val], body: Body) -> Result:
    """An object of the program with its own ``.numpy()`` (a meter that keeps what it is given)."""
    if v is None or v.kind not in (TENSOR, NUMBER) or v.shape is None:
        raise Unsuitable
    g.b.need("import numpy as np")
    cls = g.b.fresh("RunningMeter", "Histogram", "MetricBuffer")
    definition = g.b.definition_block()
    body_block = definition.open(f"class {cls}:", "numpy_method_object")
    body_block.open("def __init__(self):").emit("self.values = []")
    body_block.open("def update(self, value):").emit("self.values.append(value)", "numpy_method_object")
    converter = body_block.open("def numpy(self):", "numpy_method_object")
    converter.emit("return np.array(self.values)", "numpy_method_object")
    meter = g.b.fresh("meter", "tracker")
    g.b.flow_preamble(f"{meter} = {cls}()", "numpy_method_object")
    block.emit(f"{meter}.update({v.expr})", "numpy_method_object", values=[v])
    # One row per update; how many updates there are is not known here.
    return block, _made(f"{meter}.numpy()", "numpy_method_object", shape=None, kind=ARRAY,
                        noun="history")


REGIONS: Sequence[Region] = (
    Region("grad_mode", 3.0, ANY, False, region_grad_mode),
    Region("loop", 1.6, ANY, False, region_loop),
    Region("if", 0.8, REST, False, region_if),
    Region("branch", 0.5, NONE, True, region_branch),
    Region("requires_grad_guard", 0.3, NONE, True, region_requires_grad_guard),
    Region("main_guard", 0.3, REST, False, region_main_guard),
    Region("try", 0.5, ANY, False, region_try),
    Region("helper", 2.5, ANY, False, region_helper),
    Region("attribute_across_methods", 0.6, ANY, True, region_method),
    Region("constructor_argument", 0.5, ANY, True, region_constructor),
    Region("dataclass", 0.4, NONE, True, region_dataclass),
    Region("namedtuple", 0.4, NONE, True, region_namedtuple),
    Region("tuple", 0.4, NONE, True, region_tuple),
    Region("list", 1.5, NONE, True, region_list),
    Region("dict", 0.9, NONE, True, region_dict),
    Region("closure", 0.4, ANY, True, region_closure),
    Region("generator", 0.5, VALUE, True, region_generator),
    Region("lambda", 0.5, EXPRESSION, True, region_lambda),
    Region("partial", 0.4, ANY, True, region_partial),
    Region("callback", 0.5, ANY, True, region_callback),
    Region("forward_hook", 0.8, ANY, False, region_hook),
    Region("star_args", 0.4, ANY, True, region_star_args),
    Region("recursion", 0.4, EXPRESSION, True, region_recursion),
    Region("module_global", 0.5, ANY, True, region_module_global),
    Region("numpy_method_object", 0.4, NONE, True, region_numpy_method),
)


# ---------------------------------------------------------------------------------------------
# The constructs, by kind: every tag a line can carry, in the order reports list them


CONSTRUCTS: Dict[str, Tuple[str, ...]] = {
    "grad sources": ("factory_requires_grad", "parameter", "module_parameter", "module_call_class",
                     "module_call_nn", "model_method", "loss", "distribution", "optimizer_param_groups", "eval"),
    "values without grad": ("data", "frozen_module", "state_dict", "grad", "buffer"),
    "steps": ("arithmetic", "tensor_method", "reduction", "indexing", "view", "inplace", "accumulate", "backward",
              "detach", "data_attribute", "cpu", "to", "requires_grad_", "argmax", "comparison", "integer_cast",
              "item", "tolist", "stack"),
    "carriers": ("module_global", "list", "dict", "defaultdict", "tuple", "namedtuple", "dataclass",
                 "attribute_across_methods", "constructor_argument", "closure", "generator", "lambda", "partial",
                 "callback", "forward_hook", "star_args", "helper", "helper_chain", "recursion"),
    "control": ("loop", "if_const", "if_runtime", "branch", "main_guard", "requires_grad_guard", "try",
                "early_return"),
    "grad mode": ("no_grad", "inference_mode", "enable_grad", "set_grad_enabled", "decorator", "nested_modes",
                  "both_modes"),
    "sinks and decoys": ("numpy", "force", "np_function", "matplotlib", "pandas", "sklearn", "container_sink",
                         "ndarray_sink", "number_sink", "numpy_method_object", "array_arithmetic"),
}
ALL_CONSTRUCTS: FrozenSet[str] = frozenset(tag for tags in CONSTRUCTS.values() for tag in tags)
# Ingredients that may write constructs other than their own name (for --construct).
PRODUCES: Dict[str, FrozenSet[str]] = {
    "helper": frozenset({"helper_chain", "early_return", "both_modes", "decorator", "tuple", "main_guard"}),
    "grad_mode": frozenset({"no_grad", "inference_mode", "enable_grad", "set_grad_enabled", "nested_modes"}),
    "if": frozenset({"if_const", "if_runtime"}),
    "branch": frozenset({"if_const", "if_runtime"}),
    "numpy": frozenset({"force", "cpu", "detach", "data_attribute"}),
    "dict": frozenset({"defaultdict"}),
    "cpu": frozenset({"to"}),
    "module_call_class": frozenset({"eval"}),
    "state_dict": frozenset({"grad", "buffer"}),
    "container_sink": frozenset({"ndarray_sink", "number_sink"}),
    "module_parameter": frozenset({"loop"}),
}


def generate(seed: int, construct: Optional[str] = None) -> Program:
    """The program of ``seed``; with ``construct``, one that uses it (the generator is steered
    towards it, and seeds derived from ``seed`` are tried until a program has it)."""
    if construct is None:
        return Generator(seed).program()
    for attempt in range(50):
        program = Generator(seed * 50 + attempt, frozenset({construct})).program()
        if construct in program.constructs:
            return program
    raise ValueError(f"no program with {construct!r} from seed {seed}")

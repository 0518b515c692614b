"""Step-by-step generation for LeakGAN (no gradient): sampling, traces and batched rollouts.

The paper's equations live in `leakgan.models.leakgan`; this module is the
machinery that runs them one token at a time, fast: D's prefix features are
grown incrementally (`leakgan.models.prefix_features`), weights are rearranged
once per call (`RearrangedWeights`), a step's work before its token is chosen
is kept (`StepOutput`) so rollouts can start from it, and all rollouts of a
batch run together (`batched_rollouts`). Functions take the model as their
first argument; `LeakGANModel` exposes them as methods.

Goal alignment (`model.goal_alignment`, see `leakgan.models.leakgan`): under
"paper" every path sums g_{(s−1)c+1} .. g_{sc} into segment s's goal (`think`
with alignment "loss"). Under "authors" sampling and traces use the authors'
sampler alignment g_{(s−1)c} .. g_{sc−1} (alignment "sampler"), and rollouts
from a boundary b are the authors' rollouts: the segment starting at b takes
the loss's goal g_{b−c+1} .. g_b, the MANAGER reads f_b a second time
(`authors_boundary`), and the later segments follow the sampler's alignment.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch.nn import functional as F

from leakgan.errors import UserError
from leakgan.models.discriminator import PAD
from leakgan.models.prefix_features import FullPrefix, PrefixFeatures
from leakgan.models.sampling import START_TOKEN, categorical

ALIGNMENTS = ("loss", "sampler")  # which sub-goals make a segment's goal (see the module docstring)


def sampling_alignment(model) -> str:
    """The alignment of free-running generation: the authors' sampler's under goal_alignment authors."""
    return "sampler" if getattr(model, "goal_alignment", "paper") == "authors" else "loss"


@dataclass
class RearrangedWeights:
    """Weights rearranged once per generation call, for the no-gradient step path."""

    worker_out: torch.Tensor | None  # [H·k + k, V]: O_t·w = [h ⊗ w, w] @ worker_out
    highway: torch.Tensor  # [F, 2F]: D's highway transform and gate side by side
    highway_bias: torch.Tensor  # [2F]
    taps: object  # PrefixFeatures weights (None in "full" mode)
    frozen: "RearrangedWeights | None" = None  # the frozen random D's feature weights (manager_input frozen_random)

    @staticmethod
    @torch.no_grad()
    def _feature_view(D, mode: str, table: bool) -> tuple:
        hw = D.highway
        highway = torch.cat([hw.transform.weight, hw.gate.weight]).T.contiguous()
        highway_bias = torch.cat([hw.transform.bias, hw.gate.bias])
        taps = PrefixFeatures.weights_of(D, table) if mode == "incremental" else None
        return highway, highway_bias, taps

    @classmethod
    @torch.no_grad()
    def of(cls, model, table: bool = False) -> "RearrangedWeights":
        V, k, H = model.cfg.vocab_size, model.cfg.goal_size, model.cfg.hidden_dim
        out = model.worker.out
        weight = out.weight.view(V, k, H).transpose(1, 2).reshape(V, H * k)
        worker_out = torch.cat([weight, out.bias.view(V, k)], dim=1).T.contiguous()
        frozen = None
        if getattr(model, "manager_input", "feature") == "frozen_random":
            if model.frozen_discriminator is None:
                raise UserError("manager_input frozen_random needs the frozen discriminator (add_frozen_discriminator)")
            frozen = cls(None, *cls._feature_view(model.frozen_discriminator, model.feature_mode, table))
        return cls(worker_out, *cls._feature_view(model.discriminator, model.feature_mode, table), frozen)

    def logits(self, hidden: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        """Worker.logits with the rearranged weights: O_t·w_t [N, V]."""
        hw = (hidden.unsqueeze(-1) * w.unsqueeze(-2)).flatten(-2)
        return torch.cat([hw, w], dim=-1) @ self.worker_out

    def feature(self, pooled: torch.Tensor) -> torch.Tensor:
        """D.head in eval mode (highway; dropout off) with one matrix product."""
        z = torch.addmm(self.highway_bias, pooled, self.highway)
        n = pooled.shape[1]
        t = torch.sigmoid(z[:, n:])
        return t * F.relu(z[:, :n]) + (1.0 - t) * pooled


class PairedPrefix:
    """D's prefix state and the frozen random D's, grown together (manager_input frozen_random).

    The same interface as PrefixFeatures and FullPrefix; `pooled` is D's.
    """

    def __init__(self, main, frozen):
        self.main, self.frozen = main, frozen

    @property
    def pooled(self) -> torch.Tensor:
        return self.main.pooled

    @property
    def length(self) -> int:
        return self.main.length

    def push(self, tokens: torch.Tensor) -> torch.Tensor:
        self.frozen.push(tokens)
        return self.main.push(tokens)

    def select(self, index: torch.Tensor) -> "PairedPrefix":
        return PairedPrefix(self.main.select(index), self.frozen.select(index))

    @staticmethod
    def cat(states: list["PairedPrefix"]) -> "PairedPrefix":
        return PairedPrefix(type(states[0].main).cat([s.main for s in states]),
                            type(states[0].frozen).cat([s.frozen for s in states]))


@dataclass
class GenState:
    """Where step-by-step generation stands before emitting token t, for N rows."""

    t: int
    prev: torch.Tensor  # [N] x_{t-1} (the start token at t = 0)
    goal: torch.Tensor  # [N, F] G_s of the current segment
    pending: torch.Tensor  # [N, F] sub-goals summed so far for the next segment
    manager: tuple[torch.Tensor, torch.Tensor]  # MANAGER LSTM (h, c) [1, N, H]
    worker: tuple[torch.Tensor, torch.Tensor]  # WORKER LSTM (h, c) [1, N, H]
    feats: PrefixFeatures | FullPrefix  # D's view of the prefix x[:t]
    weights: RearrangedWeights
    uniform: bool = False  # every row is the same (before token 0): compute one row, broadcast

    @staticmethod
    def cat(states: list["GenState"]) -> "GenState":
        """The rows of several states at the same step, in order."""
        first = states[0]
        if any(s.t != first.t for s in states):
            raise ValueError("only states at the same step can be joined")
        cat = lambda xs, dim=0: torch.cat(list(xs), dim=dim)  # noqa: E731
        return GenState(first.t, cat(s.prev for s in states), cat(s.goal for s in states),
                        cat(s.pending for s in states),
                        tuple(cat((s.manager[i] for s in states), 1) for i in range(2)),
                        tuple(cat((s.worker[i] for s in states), 1) for i in range(2)),
                        type(first.feats).cat([s.feats for s in states]), first.weights)


@dataclass
class StepOutput:
    """What one generation step computes before its token is chosen (see think)."""

    logits: torch.Tensor  # [N, V] at α
    goal: torch.Tensor  # [N, F] after the step
    pending: torch.Tensor  # [N, F] after the step
    manager: tuple[torch.Tensor, torch.Tensor]  # MANAGER LSTM state after reading f_t
    worker: tuple[torch.Tensor, torch.Tensor]  # WORKER LSTM state after reading x_{t-1}
    feature: torch.Tensor | None  # f_t [N, F] (None when the step skipped the MANAGER)
    manager_input: torch.Tensor | None = None  # what the MANAGER read (f_t, zeros or the frozen D's feature)
    sub_goal: torch.Tensor | None = None  # g_t [N, F] (None when the step skipped the MANAGER)

    def select(self, index: torch.Tensor) -> "StepOutput":
        """The rows `index` (repeats allowed; contiguous copies)."""
        pick = lambda x: None if x is None else x[index]  # noqa: E731
        return StepOutput(self.logits[index], self.goal[index], self.pending[index],
                          tuple(x[:, index] for x in self.manager), tuple(x[:, index] for x in self.worker),
                          pick(self.feature), pick(self.manager_input), pick(self.sub_goal))


@dataclass
class Trace:
    """Sampled sequences with what rollouts and the training pass reuse (see trace)."""

    tokens: torch.Tensor  # [N, T]
    features: torch.Tensor  # [N, T+1, F] f_0..f_T
    states: dict[int, tuple]  # prefix length b -> (D's prefix state before token b, step b's StepOutput)
    weights: RearrangedWeights  # what the trace was computed with (its rollouts continue with them)
    sub_goals: torch.Tensor | None = None  # [N, L, F] g_0..g_{L−1} (goal_alignment authors: its rollouts need them)


def _prefix_state(model, D, n: int, device, taps):
    if model.feature_mode == "incremental":
        return PrefixFeatures.start(D, n, device, taps)
    if model.feature_mode == "full":
        return FullPrefix.start(D, n, device)
    raise UserError(f"config key 'leakgan.features' must be 'incremental' or 'full', not {model.feature_mode!r}")


def start(model, n: int, weights: RearrangedWeights | None = None, offset: int = 0) -> GenState:
    """The state before token 0 of n rows: empty prefixes, zero LSTM states, the initial goal.

    `offset`: the index of the first row among the rows of the call (which per-row initial goal it takes).
    """
    device, F_, H = model.goal_init.device, model.cfg.feature_dim, model.cfg.hidden_dim
    weights = weights if weights is not None else RearrangedWeights.of(model)
    feats = _prefix_state(model, model.discriminator, n, device, weights.taps)
    if weights.frozen is not None:
        feats = PairedPrefix(feats, _prefix_state(model, model.frozen_discriminator, n, device, weights.frozen.taps))
    zeros = lambda *shape: torch.zeros(*shape, device=device)  # noqa: E731
    return GenState(0, torch.full((n,), START_TOKEN, dtype=torch.long, device=device),
                    model.initial_goals(n, offset), zeros(n, F_), (zeros(1, n, H), zeros(1, n, H)),
                    (zeros(1, n, H), zeros(1, n, H)), feats, weights,
                    uniform=model.cfg.initial_goal != "per_row")


def last_goal_step(model) -> int:
    """The last step whose sub-goal reaches a goal: f_t and the MANAGER are unused after it."""
    c = model.cfg.step_size
    return c * ((model.cfg.seq_len - 1) // c)


def _manager_input(model, state: GenState, feature: torch.Tensor, rows) -> torch.Tensor:
    """What the MANAGER reads at this step (`model.manager_input`): f_t, zeros, or the frozen random D's feature."""
    mode = getattr(model, "manager_input", "feature")
    if mode == "feature":
        return feature
    if mode == "zero":
        return torch.zeros_like(feature)
    return state.weights.frozen.feature(state.feats.frozen.pooled[rows])


def think(model, state: GenState, temperature: float, manager: bool = True, alignment: str | None = None) -> StepOutput:
    """Everything step t = state.t computes before its token is chosen (no gradient, eval-mode D).

    The MANAGER reads f_t, which D's prefix state already holds; `manager`
    False skips it (and f_t) for steps after the last goal boundary.
    `alignment` (default: the model's sampling alignment) "loss": g_t joins
    the next goal for t > 0 and the goal switches after it when t % c == 0;
    "sampler" (the authors' generator): the goal switches before g_t joins
    when t > 0 and t % c == 0, and g_0 joins too.
    """
    t, c, wts = state.t, model.cfg.step_size, state.weights
    alignment = alignment or sampling_alignment(model)
    n = state.prev.shape[0]
    rows = slice(0, 1) if state.uniform else slice(None)  # before token 0 every row is the same
    goal, pending, feature, manager_state = state.goal[rows], state.pending[rows], None, state.manager
    manager_in = sub_goal = None
    if manager:
        feature = wts.feature(state.feats.pooled[rows])  # f_t
        manager_in = _manager_input(model, state, feature, rows)
        sub_goal, manager_state = model.manager(manager_in[:, None], tuple(x[:, rows] for x in state.manager))
        sub_goal = sub_goal[:, 0]
        if alignment == "loss":
            if t > 0:  # g_0 is not summed into any goal (segment 0 uses the initial goal)
                pending = pending + sub_goal
                if t % c == 0:
                    goal, pending = pending, torch.zeros_like(pending)
        elif alignment == "sampler":
            if t > 0 and t % c == 0:
                goal, pending = pending, torch.zeros_like(pending)
            pending = pending + sub_goal
        else:
            raise ValueError(f"alignment must be one of {ALIGNMENTS}, not {alignment!r}")
    hidden, worker_state = model.worker(state.prev[rows, None], tuple(x[:, rows] for x in state.worker))
    logits = wts.logits(hidden[:, 0], model.goal_embedding(goal)).div_(temperature)
    step_out = StepOutput(logits, goal, pending, manager_state, worker_state, feature, manager_in, sub_goal)
    return step_out.select(torch.zeros(n, dtype=torch.long, device=logits.device)) if state.uniform else step_out


def loss_aligned_goals(sub_goals: torch.Tensor, initial: torch.Tensor, step_size: int, t: int):
    """(goal, pending) [N, F] after step t of a teacher-forced pass (alignment "loss") from g_0..g_t [N, ≥t+1, F]."""
    c, s = step_size, t // step_size
    goal = initial if s == 0 else sub_goals[:, (s - 1) * c + 1: s * c + 1].sum(dim=1)
    pending = sub_goals[:, s * c + 1: t + 1].sum(dim=1) if t > s * c else torch.zeros_like(goal)
    return goal, pending


def authors_boundary(model, step_out: StepOutput, goal: torch.Tensor, pending: torch.Tensor, temperature: float,
                     weights: RearrangedWeights, logits: torch.Tensor | None = None) -> StepOutput:
    """Step b of the authors' rollout from a boundary b, after its teacher-forced prefix.

    Token b is drawn with the loss-aligned `goal` (their `_g_recurrence_1` ran up to i = b); the MANAGER then
    reads f_b a second time (their `_g_recurrence_2` at i = b + 1 reads the prefix x[:b]) and that sub-goal
    g'_b starts the next goal on top of `pending`. `logits`, when given, are token b's (with `goal`).
    """
    if step_out.manager_input is None:  # past the last goal boundary: no goal changes any more
        return step_out
    sub_goal, manager_state = model.manager(step_out.manager_input[:, None], step_out.manager)
    if logits is None:
        hidden = step_out.worker[0][0]  # the WORKER LSTM's output after x_{b−1}
        logits = weights.logits(hidden, model.goal_embedding(goal)).div_(temperature)
    return StepOutput(logits, goal, pending + sub_goal[:, 0], manager_state, step_out.worker, step_out.feature,
                      step_out.manager_input, sub_goal[:, 0])


def emit(state: GenState, step_out: StepOutput, token: torch.Tensor, push: bool = True) -> GenState:
    """The state after step t emitted `token` [N]; D's prefix state grows in place unless `push` is False."""
    if push:
        state.feats.push(token)
    return GenState(state.t + 1, token, step_out.goal, step_out.pending, step_out.manager, step_out.worker,
                    state.feats, state.weights)


def step(model, state: GenState, temperature: float, choose, push: bool = True, alignment: str | None = None):
    """One step: (state after it, token [N], the step's StepOutput: logits, and f_t unless past the last goal step)."""
    step_out = think(model, state, temperature, manager=state.t <= last_goal_step(model), alignment=alignment)
    token = choose(step_out.logits)
    return emit(state, step_out, token, push=push), token, step_out


@torch.no_grad()
def generate(model, prefix: torch.Tensor, given, temperature: float, generator: torch.Generator,
             sampler=categorical, rollout: bool = False, offset: int = 0):
    """Step-by-step generation from token 0, prefix tokens forced while t < given.

    Returns (tokens [N, T], log-probabilities [N, T] of the tokens at α = temperature).
    This is the one-rollout-at-a-time path: every call re-runs the prefix.
    `rollout` under goal_alignment authors: the authors' rollout (the prefix
    teacher-forced with the loss's alignment, `authors_boundary` at t = given,
    the sampler's alignment after); it needs the same `given` for every row.
    `offset`: the index of the first row (per-row initial goals).
    """
    n, T = prefix.shape
    device = model.goal_init.device
    prefix = prefix.to(device)
    given = torch.as_tensor(given, device=device).expand(n)
    authors = rollout and sampling_alignment(model) == "sampler"
    if authors and n and bool((given != given[0]).any()):
        raise ValueError("the authors' rollout needs the same prefix length for every row")
    boundary = int(given[0]) if authors and n else -1
    tokens = torch.full((n, T), PAD, dtype=torch.long, device=device)
    log_probs = torch.zeros(n, T, device=device)
    with model.discriminator_eval():
        state = start(model, n, offset=offset)
        for t in range(T):
            alignment = "loss" if t <= boundary else None
            step_out = think(model, state, temperature, manager=t <= last_goal_step(model), alignment=alignment)
            if t == boundary:
                step_out = authors_boundary(model, step_out, step_out.goal, step_out.pending, temperature,
                                            state.weights, logits=step_out.logits)
            token = torch.where(t < given, prefix[:, t], sampler(step_out.logits, generator))
            state = emit(state, step_out, token)
            tokens[:, t] = token
            log_probs[:, t] = torch.log_softmax(step_out.logits, dim=-1).gather(1, token[:, None])[:, 0]
    return tokens, log_probs


@torch.no_grad()
def trace(model, num: int, temperature: float, generator: torch.Generator, boundaries=(),
          sampler=categorical, first_temperature: float | None = None, first_tokens: int = 0) -> Trace:
    """Sample `num` sequences in one batch and keep what rollouts and training reuse.

    Returns the tokens [N, T], D's features f_0..f_T [N, T+1, F] of their
    prefixes, and for each prefix length b in `boundaries` what step b
    computed before its token was chosen (batched_rollouts starts there).
    With `first_temperature`, tokens 0..first_tokens−1 are drawn at that α
    instead (the authors' training samples: logits × 1.5 for the first two).
    """
    T = model.cfg.seq_len
    tokens = torch.empty(num, T, dtype=torch.long, device=model.goal_init.device)
    features, cached, sub_goals = [], {}, []
    keep_goals = sampling_alignment(model) == "sampler" and len(boundaries) > 0
    with model.discriminator_eval():
        state = start(model, num)
        for t in range(T):
            before = state.feats.select(torch.arange(num, device=tokens.device)) if t in boundaries else None
            pooled = state.feats.pooled
            alpha = first_temperature if first_temperature is not None and t < first_tokens else temperature
            state, tokens[:, t], step_out = step(model, state, alpha, lambda lg: sampler(lg, generator))
            features.append(step_out.feature if step_out.feature is not None else state.weights.feature(pooled))
            if keep_goals and step_out.sub_goal is not None:
                sub_goals.append(step_out.sub_goal)
            if before is not None:
                cached[t] = (before, step_out)
        features.append(state.weights.feature(state.feats.pooled))  # f_T, the whole sentence
    return Trace(tokens, torch.stack(features, dim=1), cached, state.weights,
                 torch.stack(sub_goals, dim=1) if sub_goals else None)


@torch.no_grad()
def batched_rollouts(model, trace: Trace, repeats: int, temperature: float, generator: torch.Generator,
                     chunk: int = 4096, sampler=categorical) -> tuple[torch.Tensor, torch.Tensor]:
    """`repeats` rollouts of every traced sequence from every boundary in `trace.states`, batched.

    Each rollout continues from what the trace computed at its boundary b:
    token b is drawn from the cached step-b logits, and the prefix is never
    re-run. All boundaries and repeats of a group of sequences run as one
    batch that grows as t reaches each boundary; a group holds at most
    `chunk` rollouts. Returns the rollouts [R, nb, N, T] and D's
    real-probability of each [R, nb, N] (nb = number of boundaries, in
    increasing order).
    """
    boundaries = sorted(trace.states)
    N, T = trace.tokens.shape
    R, nb = repeats, len(boundaries)
    device = trace.tokens.device
    out_tokens = torch.empty(R, nb, N, T, dtype=torch.long, device=device)
    out_probs = torch.empty(R, nb, N, device=device)
    if nb == 0:
        return out_tokens, out_probs
    group = max(1, chunk // (R * nb))
    weights = trace.weights
    authors = sampling_alignment(model) == "sampler"
    if authors and trace.sub_goals is None:
        raise ValueError("the authors' rollouts need a trace that kept its sub-goals (goal_alignment authors)")
    initial = model.initial_goals(N)
    with model.discriminator_eval() as D:
        for first in range(0, N, group):
            rows = torch.arange(first, min(N, first + group), device=device)
            index = rows.repeat(R)  # a boundary's block: rows ordered (repeat, sequence)
            active, tokens = None, None
            for t in range(boundaries[0], T):
                if active is not None:
                    active, tokens[:, t], _ = step(model, active, temperature, lambda lg: sampler(lg, generator))
                if t in trace.states:  # this boundary's rollouts join, drawing token t from the cached step
                    feats, step_out = trace.states[t]
                    step_out = step_out.select(index)
                    if authors:  # the authors' rollout: the loss's goal for this segment, f_t read again
                        goal, pending = loss_aligned_goals(trace.sub_goals[index], initial[index],
                                                           model.cfg.step_size, t)
                        step_out = authors_boundary(model, step_out, goal, pending, temperature, weights)
                    prefix = trace.tokens[index]
                    prefix[:, t] = sampler(step_out.logits, generator)
                    before = GenState(t, prefix[:, t - 1], step_out.goal, step_out.pending, step_out.manager,
                                      step_out.worker, feats.select(index), weights)
                    block = emit(before, step_out, prefix[:, t])
                    active = block if active is None else GenState.cat([active, block])
                    tokens = prefix if tokens is None else torch.cat([tokens, prefix])
            probs = D.real_prob_of(weights.feature(active.feats.pooled))
            k = len(rows)
            out_tokens[:, :, rows] = tokens.view(nb, R, k, T).transpose(0, 1)
            out_probs[:, :, rows] = probs.view(nb, R, k).transpose(0, 1)
    return out_tokens, out_probs


@torch.no_grad()
def sample(model, num: int, temperature: float, generator: torch.Generator, batch_size: int = 1000,
           sampler=categorical) -> torch.Tensor:
    """Draw `num` sequences [num, T] (CPU) with logits O_t·w_t / α, α = temperature, `batch_size` rows at a time."""
    chunks = []
    T, last_goal = model.cfg.seq_len, last_goal_step(model)
    with model.discriminator_eval():
        # a per-token projection table costs about as much as pushing 4·V tokens without it
        weights = RearrangedWeights.of(model, table=num * T >= 4 * (model.cfg.vocab_size + 1))
        for first in range(0, num, batch_size):
            n = min(batch_size, num - first)
            tokens = torch.empty(n, T, dtype=torch.long, device=model.goal_init.device)
            state = start(model, n, weights, offset=first)
            for t in range(T):
                # D's state is read again only by steps up to the last goal boundary
                state, tokens[:, t], _ = step(model, state, temperature, lambda lg: sampler(lg, generator),
                                            push=t < last_goal)
            chunks.append(tokens.cpu())
    return torch.cat(chunks) if chunks else torch.zeros(0, T, dtype=torch.long)


"""Compare two versions of a citizen's network: what came, what went, what changed."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, computed_field

from app.graph.document import Actor, Agreement, Coupling, CouplingState, GraphDocument

__all__ = ["ActorChange", "Comparison", "CouplingChange", "FieldChange", "compare"]

Value = str | int | None

# The fields of an actor that can change; the key is what identifies it.
_ACTOR_FIELDS: tuple[str, ...] = tuple(f for f in Actor.model_fields if f != "key")
_CASE_FIELDS: tuple[str, ...] = ("label", "target_group")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class FieldChange(_Frozen):
    """One field that holds another value after than before (None: not set)."""

    field: str
    before: Value
    after: Value


class ActorChange(_Frozen):
    """An actor present in both versions with one or more fields changed."""

    key: str
    label: str  # as it is after
    changes: list[FieldChange]


class CouplingChange(_Frozen):
    """A coupling present in both versions whose state, topic or agreements changed.

    ``source`` and ``target`` are as written after; the pair is undirected.
    """

    source: str
    target: str
    state_before: CouplingState
    state_after: CouplingState
    changes: list[FieldChange]
    agreements_added: list[Agreement]
    agreements_removed: list[Agreement]


class Comparison(_Frozen):
    """Everything that differs between two versions of one network.

    Actors are matched by key, couplings by their (undirected) pair of keys.
    Lists follow the order of the document they come from: added and changed
    items in the order of ``after``, removed ones in the order of ``before``.
    """

    case_changes: list[FieldChange]
    actors_added: list[Actor]
    actors_removed: list[Actor]
    actors_changed: list[ActorChange]
    couplings_added: list[Coupling]
    couplings_removed: list[Coupling]
    couplings_changed: list[CouplingChange]
    coordinator_before: str | None
    coordinator_after: str | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def coordinator_changed(self) -> bool:
        """Whether another actor (or nobody) coordinates after than before."""
        return self.coordinator_before != self.coordinator_after

    def is_empty(self) -> bool:
        """Whether the two versions hold the same network."""
        return not (self.case_changes or self.actors_added or self.actors_removed
                    or self.actors_changed or self.couplings_added or self.couplings_removed
                    or self.couplings_changed or self.coordinator_changed)


def _fields(before: BaseModel, after: BaseModel, names: tuple[str, ...]) -> list[FieldChange]:
    changes: list[FieldChange] = []
    for name in names:
        old, new = getattr(before, name), getattr(after, name)
        if old != new:
            changes.append(FieldChange(field=name, before=old, after=new))
    return changes


def _coupling_change(old: Coupling, new: Coupling) -> CouplingChange | None:
    changes = _fields(old, new, ("state", "topic"))
    added = [g for g in new.agreements if g not in old.agreements]
    removed = [g for g in old.agreements if g not in new.agreements]
    if not (changes or added or removed):
        return None
    return CouplingChange(source=new.source, target=new.target, state_before=old.state,
                          state_after=new.state, changes=changes, agreements_added=added,
                          agreements_removed=removed)


def compare(before: GraphDocument, after: GraphDocument) -> Comparison:
    """What differs between two versions of a network.

    Parameters
    ----------
    before, after : GraphDocument
        The earlier and the later version (any two versions of one case; the
        order only decides what counts as added and what as removed).

    Returns
    -------
    Comparison
        Actors added, removed and changed (field by field, old and new value),
        couplings added, removed and changed (state, topic, agreements), the
        coordinator before and after, and changes to the case's label and
        target group. The classification is the caller's business.

    Examples
    --------
    >>> from app.graph.examples import claus_foer, claus_nu
    >>> diff = compare(claus_foer(), claus_nu())
    >>> [a.key for a in diff.actors_added]
    ['koordinator']
    >>> diff.coordinator_before, diff.coordinator_after
    (None, 'koordinator')
    >>> [(c.source, c.target, c.state_before, c.state_after)
    ...  for c in diff.couplings_changed if c.state_before != c.state_after]
    [('claus', 'rusmiddel', 'strained', 'established'), ('uu', 'ydelse', 'needed', 'weak')]
    >>> compare(claus_nu(), claus_nu()).is_empty()
    True

    Notes
    -----
    Runs in O(n + m) for n actors and m couplings (agreements are compared per
    coupling, quadratic only in the handful of agreements on one coupling).
    """
    old_actors = {a.key: a for a in before.actors}
    new_actors = {a.key: a for a in after.actors}
    actors_changed = []
    for actor in after.actors:
        old = old_actors.get(actor.key)
        if old is not None and (changes := _fields(old, actor, _ACTOR_FIELDS)):
            actors_changed.append(ActorChange(key=actor.key, label=actor.label, changes=changes))

    old_couplings = {c.pair: c for c in before.couplings}
    new_couplings = {c.pair: c for c in after.couplings}
    couplings_changed = []
    for coupling in after.couplings:
        was = old_couplings.get(coupling.pair)
        if was is not None and (change := _coupling_change(was, coupling)) is not None:
            couplings_changed.append(change)

    return Comparison(
        case_changes=_fields(before, after, _CASE_FIELDS),
        actors_added=[a for a in after.actors if a.key not in old_actors],
        actors_removed=[a for a in before.actors if a.key not in new_actors],
        actors_changed=actors_changed,
        couplings_added=[c for c in after.couplings if c.pair not in old_couplings],
        couplings_removed=[c for c in before.couplings if c.pair not in new_couplings],
        couplings_changed=couplings_changed,
        coordinator_before=before.coordinator,
        coordinator_after=after.coordinator,
    )

"""The shared position buffer: one writer, many readers, a version counter.

:class:`PositionBuffer` hands node positions from the layout worker (the writer)
to the render loop and to any other reader, in this process or in another one.
It lives in one :class:`multiprocessing.shared_memory.SharedMemory` segment, so
``PositionBuffer.attach(name)`` in a second process sees the same data.

Segment layout
--------------
::

    offset 0    header: 16 int64 (128 bytes)
                  [0] magic  [1] format  [2] node_count  [3] dimensions  [4] slot_count
                  [5] index of the newest complete slot (-1 before the first publish)
                  [6] version of the newest publish (0 before the first publish)
                  [8 + s]  sequence number of slot s (odd while the writer is in it)
                  [11 + s] version held by slot s
    offset 128  slot 0, slot 1, slot 2: each node_count x dimensions float32

Protocol (a seqlock per slot, three slots)
------------------------------------------
Writer (``publish``), never blocked by readers:

1. pick slot ``s = (newest + 1) % 3``: never the newest slot, and the slot that
   was published longest ago;
2. ``sequence[s] += 1`` (now odd), full fence;
3. write ``slot_version[s]`` and the positions, full fence;
4. ``sequence[s] += 1`` (even again), full fence;
5. ``newest = s``, ``version = v``, full fence.

Reader (``read_latest``), never blocked by the writer, holds no lock:

1. full fence, load ``s = newest``, full fence, load ``before = sequence[s]``;
   if it is odd the writer has come round to this slot: retry;
2. full fence, copy ``slot_version[s]`` and the positions, full fence;
3. load ``after = sequence[s]``; if ``after == before`` the copy is complete,
   otherwise retry with the (new) newest slot.

After a few failed tries (only possible when the writer publishes twice while one
reader copies once) the reader returns the last complete copy it read before,
with that copy's version, instead of spinning.

Memory-ordering argument
------------------------
Both sides run in numba functions (``nogil=True``, so a copy of a large array
does not hold the GIL) that issue an LLVM ``fence seq_cst`` between the steps
above: a locked instruction (``lock or``) or ``mfence`` on x86-64, ``dmb ish``
on arm64. A fence is also a compiler barrier, so neither LLVM nor the CPU moves
a load or store of the positions across a sequence-number access. The argument
is the classic seqlock one: if any load of the reader's copy observed a store of
a writer pass into slot ``s``, then, because the writer fenced between making
``sequence[s]`` odd and writing the data, and the reader fenced between the copy
and its second load, that second load observes at least the odd value of that
pass, so ``after != before`` and the copy is thrown away. If ``after == before``
(and even), no writer pass overlapped the copy and it is one complete publish,
whose version is ``slot_version[s]`` copied inside the same window. Aligned
8-byte loads and stores (the header fields) are single-copy atomic on x86-64 and
arm64, so a counter is never itself torn. The newest index is stored only after
the slot is complete (fence in between), so a reader that reads ``newest = s``
finds a complete slot unless the writer has since come round to ``s`` again,
which the sequence check catches. Versions only grow: a reader may return a
slightly old version, never a mix.

Only one writer at a time is supported (one ``PositionBuffer`` that publishes,
in any process); concurrent ``publish`` calls on the same instance are serialised
by a lock that readers never touch.

Clean-up
--------
The creating instance owns the segment: :meth:`PositionBuffer.close` (idempotent)
or a :func:`weakref.finalize` at garbage collection / interpreter exit unmaps and
unlinks it, exactly once. Attached instances only unmap. On Python < 3.13 the
resource tracker also registers segments that are merely attached, then unlinks
them at exit with a "leaked shared_memory" warning (bpo-38119); ``attach``
unregisters them again (Python >= 3.13: ``track=False``).
"""

from __future__ import annotations

import logging
import multiprocessing
import secrets
import sys
import threading
import weakref
from multiprocessing import resource_tracker, shared_memory
from types import TracebackType
from typing import Self

import numba
import numpy as np
from numba import types
from numba.extending import intrinsic

__all__ = ["PositionBuffer"]

logger = logging.getLogger(__name__)

SEGMENT_PREFIX = "helios_"
"""Every segment name starts with this, so leftovers are easy to find in /dev/shm."""

_MAGIC = 0x48454C494F535042  # b"HELIOSPB" as a big-endian int64: this segment is a PositionBuffer
_FORMAT = 1  # bump when the segment layout changes
_SLOT_COUNT = 3  # newest + one being written + one spare for a reader still copying
_HEADER_INT64_COUNT = 16  # 128 bytes: two cache lines, keeps the slots 64-byte aligned
_HEADER_BYTES = _HEADER_INT64_COUNT * 8
_POSITION_DTYPE = np.dtype(np.float32)
_READ_ATTEMPTS = 4  # tries before falling back to the last good copy

# Header field indices.
_FIELD_MAGIC = 0
_FIELD_FORMAT = 1
_FIELD_NODE_COUNT = 2
_FIELD_DIMENSIONS = 3
_FIELD_SLOT_COUNT = 4
_FIELD_NEWEST_SLOT = 5
_FIELD_VERSION = 6
_FIELD_SEQUENCE = 8  # 8, 9, 10
_FIELD_SLOT_VERSION = 11  # 11, 12, 13

_USE_TRACK_ARGUMENT = sys.version_info >= (3, 13)
_names_created_here: set[str] = set()  # segments this process created and has not unlinked yet
_names_lock = threading.Lock()


# ---------------------------------------------------------------------- numba kernels
@intrinsic
def _full_fence(typing_context):  # type: ignore[no-untyped-def]
    """Emit an LLVM ``fence seq_cst``: a CPU memory barrier and a compiler barrier."""

    def codegen(context, builder, signature, arguments):  # type: ignore[no-untyped-def]
        builder.fence("seq_cst")
        return context.get_dummy_value()

    return types.void(), codegen


@numba.njit(nogil=True, cache=True)
def _write_slot(header: np.ndarray, slots: np.ndarray, positions: np.ndarray) -> int:
    """Write ``positions`` into a free slot, make it the newest, return the new version."""
    newest = header[_FIELD_NEWEST_SLOT]
    slot_index = 0 if newest < 0 else (newest + 1) % _SLOT_COUNT
    version = header[_FIELD_VERSION] + 1
    sequence = header[_FIELD_SEQUENCE + slot_index]
    header[_FIELD_SEQUENCE + slot_index] = sequence + 1  # odd: being written
    _full_fence()
    header[_FIELD_SLOT_VERSION + slot_index] = version
    slot = slots[slot_index]
    for node in range(positions.shape[0]):
        for dimension in range(positions.shape[1]):
            slot[node, dimension] = positions[node, dimension]
    _full_fence()
    header[_FIELD_SEQUENCE + slot_index] = sequence + 2  # even: complete
    _full_fence()
    header[_FIELD_NEWEST_SLOT] = slot_index
    header[_FIELD_VERSION] = version
    _full_fence()
    return version


@numba.njit(nogil=True, cache=True)
def _read_newest(header: np.ndarray, slots: np.ndarray, out: np.ndarray, attempts: int) -> tuple[int, int]:
    """Copy the newest complete slot into ``out``.

    Returns ``(version, tries)``: version 0 if nothing was published yet, -1 if
    every try overlapped a write (``out`` then holds garbage).
    """
    for attempt in range(attempts):
        _full_fence()
        slot_index = header[_FIELD_NEWEST_SLOT]
        if slot_index < 0:
            return 0, attempt + 1
        _full_fence()
        sequence_before = header[_FIELD_SEQUENCE + slot_index]
        if sequence_before % 2 == 1:
            continue
        _full_fence()
        version = header[_FIELD_SLOT_VERSION + slot_index]
        slot = slots[slot_index]
        for node in range(out.shape[0]):
            for dimension in range(out.shape[1]):
                out[node, dimension] = slot[node, dimension]
        _full_fence()
        sequence_after = header[_FIELD_SEQUENCE + slot_index]
        if sequence_after == sequence_before:
            return version, attempt + 1
    return -1, attempts


# ------------------------------------------------------------------------ clean-up
class _SegmentViews:
    """The numpy views into one mapped segment; dropped before the segment is unmapped."""

    def __init__(self, header: np.ndarray, slots: np.ndarray) -> None:
        self.header: np.ndarray | None = header
        self.slots: np.ndarray | None = slots


def _release_segment(segment: shared_memory.SharedMemory, views: _SegmentViews, owner: bool) -> None:
    """Unmap a segment and, if ``owner``, unlink it. Run exactly once by a finalizer."""
    views.header = None
    views.slots = None
    try:
        segment.close()
    except BufferError:
        # Someone still holds a view (e.g. a read in flight on another thread at exit).
        # The mapping goes when that view does; unlinking below does not need it gone.
        logger.debug("segment %s still has views; unmapped later", segment.name)
    if owner:
        with _names_lock:
            _names_created_here.discard(segment.name)
        try:
            segment.unlink()
        except FileNotFoundError:
            logger.debug("segment %s was already unlinked", segment.name)
        logger.debug("segment %s unlinked", segment.name)


def _segment_size_bytes(node_count: int, dimensions: int) -> int:
    return _HEADER_BYTES + _SLOT_COUNT * node_count * dimensions * _POSITION_DTYPE.itemsize


def _attach_untracked(name: str) -> shared_memory.SharedMemory:
    """Open an existing segment without leaving it registered with the resource tracker."""
    if _USE_TRACK_ARGUMENT:
        return shared_memory.SharedMemory(name=name, track=False)  # type: ignore[call-arg]
    segment = shared_memory.SharedMemory(name=name)
    with _names_lock:
        created_here = segment.name in _names_created_here
    # Python < 3.13 registers attached segments too (bpo-38119), so this process's tracker
    # would unlink the segment when it exits and warn about a leak: undo the registration.
    # Not when the tracker already holds the owner's entry (it keeps a set, so the attach
    # added nothing, and unregistering would remove the owner's entry and make the owner's
    # unlink() fail inside the tracker with a KeyError): that is the case if this process
    # created the segment, or if it is a multiprocessing child (fork, spawn or forkserver
    # children share their parent's tracker) attaching to a segment of its family.
    shares_owner_tracker = created_here or multiprocessing.parent_process() is not None
    if not shares_owner_tracker and getattr(shared_memory, "_USE_POSIX", False):
        resource_tracker.unregister(segment._name, "shared_memory")  # type: ignore[attr-defined]
    return segment


# ---------------------------------------------------------------------- the buffer
class PositionBuffer:
    """Shared-memory node positions with a version counter; readers never block.

    Creating one makes a new segment (named ``helios_...``) that this instance owns
    and unlinks on :meth:`close`. Other processes (or threads) open it with
    :meth:`attach`. See the module docstring for the protocol.

    Parameters
    ----------
    node_count : int
        Number of nodes, ``>= 0``.
    dimensions : int, optional
        Coordinates per node, ``>= 1`` (2 or 3 in practice).

    Raises
    ------
    ValueError
        If ``node_count`` or ``dimensions`` is out of range.

    Examples
    --------
    >>> with PositionBuffer(3, 2) as buffer:
    ...     buffer.publish(np.zeros((3, 2)))
    ...     version, positions = buffer.read_latest()
    1
    """

    def __init__(self, node_count: int, dimensions: int = 2) -> None:
        node_count = int(node_count)
        dimensions = int(dimensions)
        if node_count < 0:
            raise ValueError(f"PositionBuffer: node_count must be >= 0, got {node_count}")
        if dimensions < 1:
            raise ValueError(f"PositionBuffer: dimensions must be >= 1, got {dimensions}")
        size_bytes = _segment_size_bytes(node_count, dimensions)
        while True:
            name = SEGMENT_PREFIX + secrets.token_hex(8)  # 23 characters: macOS allows 30
            try:
                segment = shared_memory.SharedMemory(name=name, create=True, size=size_bytes)
            except FileExistsError:
                continue
            break
        with _names_lock:
            _names_created_here.add(segment.name)
        header = np.ndarray((_HEADER_INT64_COUNT,), dtype=np.int64, buffer=segment.buf)
        header[:] = 0
        header[_FIELD_FORMAT] = _FORMAT
        header[_FIELD_NODE_COUNT] = node_count
        header[_FIELD_DIMENSIONS] = dimensions
        header[_FIELD_SLOT_COUNT] = _SLOT_COUNT
        header[_FIELD_NEWEST_SLOT] = -1
        header[_FIELD_MAGIC] = _MAGIC
        self._setup(segment, header, node_count, dimensions, owner=True)
        logger.debug("created segment %s (%d nodes x %d)", segment.name, node_count, dimensions)

    @classmethod
    def attach(cls, name: str) -> PositionBuffer:
        """Open an existing buffer by name, in this process or another one.

        The attached instance reads (and may publish, if it is the only writer) but
        does not own the segment: closing it only unmaps.

        Parameters
        ----------
        name : str
            The :attr:`name` of the creating buffer (a leading ``/`` is ignored).

        Returns
        -------
        PositionBuffer
            A new instance mapping the same segment.

        Raises
        ------
        FileNotFoundError
            If no segment has that name (it was never created or already closed).
        ValueError
            If the segment is not a PositionBuffer of this format.
        """
        segment = _attach_untracked(name.lstrip("/"))
        try:
            if segment.size < _HEADER_BYTES:
                raise ValueError(
                    f"PositionBuffer.attach: segment {name!r} is too small to be a position buffer"
                )
            header = np.ndarray((_HEADER_INT64_COUNT,), dtype=np.int64, buffer=segment.buf)
            if header[_FIELD_MAGIC] != _MAGIC or header[_FIELD_FORMAT] != _FORMAT:
                raise ValueError(
                    f"PositionBuffer.attach: segment {name!r} is not a position buffer of format {_FORMAT}"
                )
            node_count = int(header[_FIELD_NODE_COUNT])
            dimensions = int(header[_FIELD_DIMENSIONS])
            if header[_FIELD_SLOT_COUNT] != _SLOT_COUNT or segment.size < _segment_size_bytes(
                node_count, dimensions
            ):
                raise ValueError(f"PositionBuffer.attach: segment {name!r} has an inconsistent header")
        except BaseException:
            header = None
            segment.close()
            raise
        buffer = cls.__new__(cls)
        buffer._setup(segment, header, node_count, dimensions, owner=False)
        logger.debug("attached segment %s (%d nodes x %d)", segment.name, node_count, dimensions)
        return buffer

    def _setup(
        self,
        segment: shared_memory.SharedMemory,
        header: np.ndarray,
        node_count: int,
        dimensions: int,
        owner: bool,
    ) -> None:
        slots = np.ndarray(
            (_SLOT_COUNT, node_count, dimensions),
            dtype=_POSITION_DTYPE,
            buffer=segment.buf,
            offset=_HEADER_BYTES,
        )
        self._name = segment.name
        self._node_count = node_count
        self._dimensions = dimensions
        self._owner = owner
        self._views = _SegmentViews(header, slots)
        self._publish_lock = threading.Lock()
        self._last_good: tuple[int, np.ndarray | None] = (0, None)
        self._fallback_count = 0
        self._finalizer = weakref.finalize(self, _release_segment, segment, self._views, owner)

    # ------------------------------------------------------------------ properties
    @property
    def name(self) -> str:
        """Segment name, to pass to :meth:`attach`; starts with ``helios_``."""
        return self._name

    @property
    def node_count(self) -> int:
        """Number of nodes."""
        return self._node_count

    @property
    def dimensions(self) -> int:
        """Coordinates per node."""
        return self._dimensions

    @property
    def is_owner(self) -> bool:
        """True for the creating instance, which unlinks the segment on close."""
        return self._owner

    @property
    def closed(self) -> bool:
        """True after :meth:`close`."""
        return not self._finalizer.alive

    @property
    def version(self) -> int:
        """Version of the newest publish (any writer); 0 before the first one."""
        return int(self._header()[_FIELD_VERSION])

    @property
    def fallback_count(self) -> int:
        """How many reads of this instance returned the previous copy (writer too fast)."""
        return self._fallback_count

    def _header(self) -> np.ndarray:
        header = self._views.header
        if header is None:
            raise ValueError(f"PositionBuffer {self._name}: used after close()")
        return header

    # --------------------------------------------------------------------- writing
    def publish(self, positions: np.ndarray) -> int:
        """Copy new positions in and make them the newest; never waits for readers.

        Parameters
        ----------
        positions : numpy.ndarray
            Shape ``(node_count, dimensions)``, any real dtype (stored as float32).

        Returns
        -------
        int
            The new version (the previous one plus 1).

        Raises
        ------
        ValueError
            If the shape is wrong or the buffer is closed.
        """
        positions = np.asarray(positions)
        if positions.shape != (self._node_count, self._dimensions):
            raise ValueError(
                "PositionBuffer.publish: positions must have shape "
                f"({self._node_count}, {self._dimensions}), "
                f"got {positions.shape}"
            )
        if positions.dtype not in (np.float32, np.float64):
            positions = positions.astype(np.float64)
        with self._publish_lock:
            header = self._header()
            slots = self._views.slots
            return int(_write_slot(header, slots, positions))

    # --------------------------------------------------------------------- reading
    def read_latest(self, out: np.ndarray | None = None) -> tuple[int, np.ndarray]:
        """Return the newest complete positions and their version; never blocks.

        Parameters
        ----------
        out : numpy.ndarray, optional
            A writable float32 or float64 array of shape ``(node_count, dimensions)``
            to copy into; a new float32 array if omitted.

        Returns
        -------
        version : int
            Version of the returned positions; 0 (with zeros) before the first publish.
        positions : numpy.ndarray
            A complete copy of one publish (``out`` if given). In the rare case the
            writer publishes twice during one copy, several times over, this is the
            previous copy this instance returned, with its version.

        Raises
        ------
        ValueError
            If ``out`` has the wrong shape or dtype, or the buffer is closed.
        """
        shape = (self._node_count, self._dimensions)
        if out is None:
            out = np.empty(shape, dtype=_POSITION_DTYPE)
        elif out.shape != shape or out.dtype not in (np.float32, np.float64) or not out.flags.writeable:
            raise ValueError(
                f"PositionBuffer.read_latest: out must be a writable float32/float64 array of shape {shape}, "
                f"got {out.dtype} {out.shape}"
            )
        header = self._header()
        slots = self._views.slots
        version, _tries = _read_newest(header, slots, out, _READ_ATTEMPTS)
        version = int(version)
        last_version, last_positions = self._last_good
        if version < 0:
            self._fallback_count += 1
            logger.debug(
                "PositionBuffer %s: writer too fast, returning version %d again", self._name, last_version
            )
            if last_positions is None:
                out[...] = 0.0
            else:
                out[...] = last_positions
            return last_version, out
        if version == 0:
            out[...] = 0.0
        elif version > last_version:
            self._last_good = (version, out.copy())  # one tuple store: safe for concurrent readers
        return version, out

    # -------------------------------------------------------------------- clean-up
    def close(self) -> None:
        """Unmap the segment, and unlink it if this instance created it. Idempotent."""
        self._finalizer()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exception_type: type[BaseException] | None,
        exception: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else f"version={self.version}"
        role = "owner" if self._owner else "attached"
        return (
            f"PositionBuffer(name={self._name!r}, node_count={self._node_count}, "
            f"dimensions={self._dimensions}, {role}, {state})"
        )

"""Minimal GGUF v3 reader and writer (numpy only).

Written from the GGUF specification (ggml docs/gguf.md):

    magic "GGUF" | u32 version (3) | u64 tensor_count | u64 kv_count
    kv pairs:    gguf_string key | u32 value_type | value
                 (arrays: u32 element_type | u64 count | elements)
    tensor infos: gguf_string name | u32 n_dims | u64 dims[n_dims] (GGML order,
                 fastest-varying first = reversed numpy shape) | u32 ggml_type | u64 offset
    padding to general.alignment (default 32)
    tensor data, each tensor starting at a multiple of the alignment
    (offsets relative to the start of the data section)

gguf_string = u64 byte length + UTF-8 bytes (no terminator). All little-endian.

Only F32 (ggml type 0) tensors are written.  The reader understands F32 and F16
tensors, which is all the cross-checks here need.
"""

from __future__ import annotations

import struct
from collections import OrderedDict

import numpy as np

# GGUF metadata value types
T_UINT8, T_INT8, T_UINT16, T_INT16, T_UINT32, T_INT32, T_FLOAT32, T_BOOL, \
    T_STRING, T_ARRAY, T_UINT64, T_INT64, T_FLOAT64 = range(13)

_SCALAR_FMT = {
    T_UINT8: "<B", T_INT8: "<b", T_UINT16: "<H", T_INT16: "<h",
    T_UINT32: "<I", T_INT32: "<i", T_FLOAT32: "<f", T_BOOL: "<?",
    T_UINT64: "<Q", T_INT64: "<q", T_FLOAT64: "<d",
}

GGML_TYPE_F32 = 0
GGML_TYPE_F16 = 1
ALIGNMENT = 32


# --------------------------------------------------------------------------- writer

class Val:
    """A typed metadata value: Val(T_UINT32, 5), Val(T_ARRAY, [...], elem=T_STRING)."""

    def __init__(self, vtype, value, elem=None):
        self.vtype = vtype
        self.value = value
        self.elem = elem


def u32(v):
    return Val(T_UINT32, int(v))


def i32(v):
    return Val(T_INT32, int(v))


def f32(v):
    return Val(T_FLOAT32, float(v))


def boolean(v):
    return Val(T_BOOL, bool(v))


def string(v):
    return Val(T_STRING, v)


def str_array(v):
    return Val(T_ARRAY, list(v), elem=T_STRING)


def i32_array(v):
    return Val(T_ARRAY, [int(x) for x in v], elem=T_INT32)


def f32_array(v):
    return Val(T_ARRAY, [float(x) for x in v], elem=T_FLOAT32)


def _pack_string(s):
    b = s.encode("utf-8") if isinstance(s, str) else bytes(s)
    return struct.pack("<Q", len(b)) + b


def _pack_value(vtype, value, elem=None):
    if vtype == T_STRING:
        return _pack_string(value)
    if vtype == T_ARRAY:
        out = [struct.pack("<IQ", elem, len(value))]
        if elem == T_STRING:
            out.extend(_pack_string(x) for x in value)
        else:
            fmt = _SCALAR_FMT[elem]
            out.extend(struct.pack(fmt, x) for x in value)
        return b"".join(out)
    return struct.pack(_SCALAR_FMT[vtype], value)


def _pad(n, align=ALIGNMENT):
    return (align - n % align) % align


def write_gguf(path, kv, tensors):
    """kv: ordered list of (key, Val); tensors: ordered list of (name, np.ndarray).

    Each array is stored as float32 with its row-major bytes unchanged; its GGUF dims
    are the reversed numpy shape (a (out, in) weight becomes dims [in, out])."""
    header = [b"GGUF", struct.pack("<I", 3),
              struct.pack("<Q", len(tensors)), struct.pack("<Q", len(kv))]
    for key, val in kv:
        header.append(_pack_string(key))
        header.append(struct.pack("<I", val.vtype))
        header.append(_pack_value(val.vtype, val.value, val.elem))

    blobs = []
    offset = 0
    for name, arr in tensors:
        a = np.ascontiguousarray(np.asarray(arr, dtype=np.float32))
        dims = list(reversed(a.shape))
        header.append(_pack_string(name))
        header.append(struct.pack("<I", len(dims)))
        header.extend(struct.pack("<Q", d) for d in dims)
        header.append(struct.pack("<I", GGML_TYPE_F32))
        header.append(struct.pack("<Q", offset))
        data = a.astype("<f4").tobytes()
        blobs.append(data + b"\0" * _pad(len(data)))
        offset += len(blobs[-1])

    head = b"".join(header)
    head += b"\0" * _pad(len(head))
    with open(path, "wb") as f:
        f.write(head)
        for b in blobs:
            f.write(b)


# --------------------------------------------------------------------------- reader

class GGUFFile:
    def __init__(self, path):
        with open(path, "rb") as f:
            self.buf = f.read()
        self.pos = 0
        if self._read(4) != b"GGUF":
            raise ValueError("not a GGUF file")
        self.version = self._unpack("<I")
        n_tensors = self._unpack("<Q")
        n_kv = self._unpack("<Q")
        self.kv = OrderedDict()
        for _ in range(n_kv):
            key = self._string()
            vtype = self._unpack("<I")
            self.kv[key] = self._value(vtype)
        self.infos = OrderedDict()
        for _ in range(n_tensors):
            name = self._string()
            nd = self._unpack("<I")
            dims = [self._unpack("<Q") for _ in range(nd)]
            gtype = self._unpack("<I")
            off = self._unpack("<Q")
            self.infos[name] = (dims, gtype, off)
        align = self.kv.get("general.alignment", ALIGNMENT)
        self.data_start = self.pos + _pad(self.pos, align)

    def _read(self, n):
        b = self.buf[self.pos:self.pos + n]
        self.pos += n
        return b

    def _unpack(self, fmt):
        size = struct.calcsize(fmt)
        (v,) = struct.unpack(fmt, self._read(size))
        return v

    def _string(self):
        n = self._unpack("<Q")
        return self._read(n).decode("utf-8", errors="surrogateescape")

    def _value(self, vtype):
        if vtype == T_STRING:
            return self._string()
        if vtype == T_ARRAY:
            elem = self._unpack("<I")
            n = self._unpack("<Q")
            return [self._value(elem) for _ in range(n)]
        return self._unpack(_SCALAR_FMT[vtype])

    def tensor(self, name):
        """The tensor as a numpy array with the numpy shape = reversed GGML dims."""
        dims, gtype, off = self.infos[name]
        n = int(np.prod(dims))
        start = self.data_start + off
        if gtype == GGML_TYPE_F32:
            a = np.frombuffer(self.buf, dtype="<f4", count=n, offset=start)
        elif gtype == GGML_TYPE_F16:
            a = np.frombuffer(self.buf, dtype="<f2", count=n, offset=start).astype(np.float32)
        else:
            raise NotImplementedError(f"ggml type {gtype} of {name}")
        return a.reshape(list(reversed(dims))).astype(np.float64)

    def has(self, name):
        return name in self.infos

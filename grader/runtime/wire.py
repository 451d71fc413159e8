"""A data-only wire format between the grader and the code under test.

Values cross as a JSON header plus raw byte blobs: ``None``, ``bool``, ``int``, ``float``,
``str``, ``list``/``tuple``, ``dict`` with ``str`` keys, ``numpy.ndarray`` and ``torch.Tensor``
(bytes + dtype + shape + device + requires_grad). Nothing that can carry code (no pickle), and
only *exact* types are accepted when encoding: a subclass of ``Tensor`` or ``float`` becomes an
:class:`Unsupported` marker, so the grader never calls a method the student wrote.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

MAGIC = b"GSW1"
MAX_FRAME_BYTES = 512 * 1024 * 1024
MAX_DEPTH = 32

_NUMPY_DTYPES = {
    "bool", "int8", "int16", "int32", "int64", "uint8",
    "float16", "float32", "float64", "complex64", "complex128",
}
_TORCH_DTYPES = {
    "bool", "int8", "int16", "int32", "int64", "uint8",
    "float16", "bfloat16", "float32", "float64", "complex64", "complex128",
}
_NUMPY_SCALARS = (np.float64, np.float32, np.float16, np.int64, np.int32, np.int16,
                  np.int8, np.uint8, np.bool_)


class WireError(ValueError):
    """A frame that is malformed, too large, or holds a value the format cannot carry."""


@dataclass(frozen=True)
class Unsupported:
    """Stands for a value the format refuses to carry (a subclass, a module, a function...)."""

    type_name: str

    def __repr__(self) -> str:
        return f"<unsupported value of type {self.type_name}>"


def _torch():
    import torch

    return torch


def _type_name(obj: Any) -> str:
    t = type(obj)
    return f"{t.__module__}.{t.__qualname__}"


def _encode(obj: Any, blobs: list[bytes], depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise WireError("value nested too deeply")
    t = type(obj)
    if obj is None or t in (bool, int, str):
        return obj
    if t is float:
        if obj != obj or obj in (float("inf"), float("-inf")):
            return {"$f": repr(obj)}
        return obj
    if t in _NUMPY_SCALARS:
        return _encode(np.asarray(obj).item(), blobs, depth + 1)
    if t in (list, tuple):
        return [_encode(v, blobs, depth + 1) for v in obj]
    if t is dict:
        if not all(type(k) is str for k in obj):
            return {"$u": _type_name(obj) + " with non-str keys"}
        return {"$d": {k: _encode(v, blobs, depth + 1) for k, v in obj.items()}}
    if t is np.ndarray:
        if obj.dtype.name not in _NUMPY_DTYPES:
            return {"$u": f"numpy.ndarray of dtype {obj.dtype}"}
        blobs.append(np.ascontiguousarray(obj).tobytes())
        return {"$a": {"dtype": obj.dtype.name, "shape": list(obj.shape), "blob": len(blobs) - 1}}
    if "torch" in t.__module__:
        torch = _torch()
        if t is torch.Tensor:
            return _encode_tensor(torch, obj, blobs)
        if t is torch.Size:
            return [int(v) for v in tuple.__iter__(obj)]
        if t is torch.dtype:
            return {"$dt": str(obj).removeprefix("torch.")}
        if t is torch.device:
            return {"$dev": str(obj)}
    return {"$u": _type_name(obj)}


def _encode_tensor(torch: Any, t: Any, blobs: list[bytes]) -> Any:
    dtype = str(t.dtype).removeprefix("torch.")
    if dtype not in _TORCH_DTYPES:
        return {"$u": f"torch.Tensor of dtype {dtype}"}
    head = {
        "dtype": dtype,
        "shape": list(t.shape),
        "device": str(t.device),
        "requires_grad": bool(t.requires_grad),
        "blob": None,
    }
    if t.device.type != "meta":
        data = t.detach()
        if data.is_conj():
            data = data.resolve_conj()
        data = data.to("cpu").contiguous()
        if dtype == "bfloat16":
            data = data.view(torch.int16)
        blobs.append(data.numpy().tobytes())
        head["blob"] = len(blobs) - 1
    return {"$t": head}


def encode(obj: Any) -> bytes:
    """Serialise ``obj`` into one frame (raises :class:`WireError` when it cannot)."""
    blobs: list[bytes] = []
    header = json.dumps(_encode(obj, blobs, 0)).encode()
    parts = [MAGIC, struct.pack("<II", len(header), len(blobs)), header]
    for blob in blobs:
        parts.append(struct.pack("<Q", len(blob)))
        parts.append(blob)
    frame = b"".join(parts)
    if len(frame) > MAX_FRAME_BYTES:
        raise WireError(f"frame of {len(frame)} bytes exceeds {MAX_FRAME_BYTES}")
    return frame


def decode(frame: bytes, *, map_device: Any = None) -> Any:
    """Rebuild the value of one frame out of genuine numpy/torch objects.

    ``map_device(name) -> str`` may rename the device a tensor is rebuilt on.
    """
    view = memoryview(frame)
    if bytes(view[:4]) != MAGIC:
        raise WireError("not a gradspec frame")
    try:
        header_len, n_blobs = struct.unpack_from("<II", view, 4)
        pos = 12
        header = json.loads(bytes(view[pos:pos + header_len]))
        pos += header_len
        blobs = []
        for _ in range(n_blobs):
            (size,) = struct.unpack_from("<Q", view, pos)
            pos += 8
            if pos + size > len(view):
                raise WireError("truncated frame")
            blobs.append(bytes(view[pos:pos + size]))
            pos += size
    except (struct.error, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise WireError(f"corrupt frame: {exc}") from None
    return _decode(header, blobs, map_device, 0)


def _decode(node: Any, blobs: list[bytes], map_device: Any, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise WireError("value nested too deeply")
    if node is None or type(node) in (bool, int, float, str):
        return node
    if type(node) is list:
        return [_decode(v, blobs, map_device, depth + 1) for v in node]
    if type(node) is not dict or len(node) != 1:
        raise WireError("malformed node")
    ((tag, body),) = node.items()
    if tag == "$d":
        return {str(k): _decode(v, blobs, map_device, depth + 1) for k, v in body.items()}
    if tag == "$f":
        if body not in ("nan", "inf", "-inf"):
            raise WireError("bad float")
        return float(body)
    if tag == "$u":
        return Unsupported(str(body))
    if tag == "$a":
        return _decode_array(body, blobs)
    if tag == "$t":
        return _decode_tensor(body, blobs, map_device)
    if tag == "$dt":
        torch = _torch()
        if body not in _TORCH_DTYPES:
            raise WireError("bad dtype")
        return getattr(torch, body)
    if tag == "$dev":
        return _torch().device(str(body))
    raise WireError(f"unknown tag {tag!r}")


def _shape(body: dict) -> tuple[int, ...]:
    shape = body.get("shape")
    if type(shape) is not list or not all(type(s) is int and s >= 0 for s in shape):
        raise WireError("bad shape")
    return tuple(shape)


def _blob(body: dict, blobs: list[bytes]) -> bytes:
    idx = body.get("blob")
    if type(idx) is not int or not 0 <= idx < len(blobs):
        raise WireError("bad blob index")
    return blobs[idx]


def _decode_array(body: dict, blobs: list[bytes]) -> np.ndarray:
    if body.get("dtype") not in _NUMPY_DTYPES:
        raise WireError("bad dtype")
    shape = _shape(body)
    dtype = np.dtype(body["dtype"])
    raw = _blob(body, blobs)
    if len(raw) != int(np.prod(shape, dtype=np.int64)) * dtype.itemsize:
        raise WireError("array size does not match its shape")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def _decode_tensor(body: dict, blobs: list[bytes], map_device: Any) -> Any:
    torch = _torch()
    name = body.get("dtype")
    if name not in _TORCH_DTYPES:
        raise WireError("bad dtype")
    dtype = getattr(torch, name)
    shape = _shape(body)
    device = str(body.get("device", "cpu"))
    if map_device is not None:
        device = map_device(device)
    if body.get("blob") is None:
        if torch.device(device).type != "meta":
            raise WireError("tensor without data off the meta device")
        out = torch.empty(shape, dtype=dtype, device="meta")
    else:
        raw = bytearray(_blob(body, blobs))
        n = int(np.prod(shape, dtype=np.int64))
        storage_dtype = torch.int16 if name == "bfloat16" else dtype
        itemsize = torch.empty((), dtype=storage_dtype).element_size()
        if len(raw) != n * itemsize:
            raise WireError("tensor size does not match its shape")
        if n:
            flat = torch.frombuffer(raw, dtype=storage_dtype)
        else:
            flat = torch.empty(0, dtype=storage_dtype)
        if name == "bfloat16":
            flat = flat.view(torch.bfloat16)
        out = flat.reshape(shape).to(device)
    if body.get("requires_grad") is True and (out.is_floating_point() or out.is_complex()):
        out.requires_grad_(True)
    return out


def roundtrip(obj: Any) -> Any:
    """Encode then decode: a deep, data-only copy (what crosses the sandbox boundary)."""
    return decode(encode(obj))

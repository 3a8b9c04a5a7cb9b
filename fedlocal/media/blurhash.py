"""A BlurHash encoder (https://blurha.sh, the algorithm Mastodon sends as `blurhash`).

Small enough to own: a handful of cosine sums over a thumbnail of a few dozen pixels a
side, encoded in base 83. The caller shrinks the image first (`processing` passes a
32-pixel one), so the pure-Python loops stay well under a millisecond per component.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

_BASE83 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"
# sRGB byte → linear light, computed once.
_LINEAR = [
    (v / 255) / 12.92 if v / 255 <= 0.04045 else ((v / 255 + 0.055) / 1.055) ** 2.4
    for v in range(256)
]

Pixel = tuple[int, int, int]


def _base83(value: int, length: int) -> str:
    return "".join(_BASE83[(value // 83 ** (length - 1 - i)) % 83] for i in range(length))


def _to_srgb(value: float) -> int:
    v = min(max(value, 0.0), 1.0)
    if v <= 0.0031308:
        return int(v * 12.92 * 255 + 0.5)
    return int((1.055 * v ** (1 / 2.4) - 0.055) * 255 + 0.5)


def _sign_pow(value: float, exponent: float) -> float:
    return math.copysign(abs(value) ** exponent, value)


def encode(
    pixels: Sequence[Pixel],
    width: int,
    height: int,
    *,
    x_components: int = 4,
    y_components: int = 3,
) -> str:
    """The BlurHash of an image given as `width × height` sRGB pixels, row by row."""
    if not (1 <= x_components <= 9 and 1 <= y_components <= 9):
        raise ValueError("component counts must be between 1 and 9")
    if width < 1 or height < 1 or len(pixels) != width * height:
        raise ValueError("pixels do not match the size given")
    linear = [(_LINEAR[r], _LINEAR[g], _LINEAR[b]) for r, g, b in pixels]
    cos_x = [[math.cos(math.pi * i * x / width) for x in range(width)] for i in range(x_components)]
    cos_y = [
        [math.cos(math.pi * j * y / height) for y in range(height)] for j in range(y_components)
    ]
    factors: list[tuple[float, float, float]] = []
    for j in range(y_components):
        for i in range(x_components):
            norm = (1 if i == 0 and j == 0 else 2) / (width * height)
            r = g = b = 0.0
            for y in range(height):
                row = y * width
                cy = cos_y[j][y]
                for x in range(width):
                    basis = cos_x[i][x] * cy
                    pr, pg, pb = linear[row + x]
                    r += basis * pr
                    g += basis * pg
                    b += basis * pb
            factors.append((r * norm, g * norm, b * norm))
    dc, ac = factors[0], factors[1:]
    result = _base83((x_components - 1) + (y_components - 1) * 9, 1)
    if ac:
        actual_max = max(abs(c) for factor in ac for c in factor)
        quantised_max = max(0, min(82, int(actual_max * 166 - 0.5)))
        maximum = (quantised_max + 1) / 166
        result += _base83(quantised_max, 1)
    else:
        maximum = 1.0
        result += _base83(0, 1)
    result += _base83((_to_srgb(dc[0]) << 16) + (_to_srgb(dc[1]) << 8) + _to_srgb(dc[2]), 4)
    for factor in ac:
        q = [
            max(0, min(18, int(math.floor(_sign_pow(c / maximum, 0.5) * 9 + 9.5)))) for c in factor
        ]
        result += _base83(q[0] * 19 * 19 + q[1] * 19 + q[2], 2)
    return result

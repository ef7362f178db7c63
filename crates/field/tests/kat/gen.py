#!/usr/bin/env python3
"""Known-answer vectors for GF(2^128) = GF(2)[x] / (x^128 + x^7 + x^2 + x + 1).

Bit i of an element (as a 128-bit integer) is the coefficient of x^i; the Rust side reads the
hex numbers below as u128 values. Uses only the standard library and an independent, naive
algorithm (shift-and-add carry-less product, then long division by the polynomial), so it does
not share code or structure with the Rust implementation.

Output (gf128.txt), one vector per line:  a b clmul_hi clmul_lo product   (hex, no 0x)
Regenerate with:  python3 gen.py > gf128.txt
"""
import random

POLY = (1 << 128) | (1 << 7) | (1 << 2) | (1 << 1) | 1


def clmul(a, b):
    r = 0
    i = 0
    while b >> i:
        if (b >> i) & 1:
            r ^= a << i
        i += 1
    return r


def polymod(x, m):
    dm = m.bit_length() - 1
    while x.bit_length() - 1 >= dm:
        x ^= m << (x.bit_length() - 1 - dm)
    return x


def main():
    rng = random.Random(20261121)
    M = (1 << 128) - 1
    edges = [0, 1, 2, 0x87, 1 << 63, 1 << 64, 1 << 127, M, M >> 1, (1 << 121) | (1 << 126),
             0xFFFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFF << 64]
    pairs = [(a, b) for a in edges for b in edges]
    pairs += [(rng.getrandbits(128), rng.getrandbits(128)) for _ in range(200)]
    print("# a b clmul_hi clmul_lo product  (GF(2^128), x^128+x^7+x^2+x+1, bit i = x^i)")
    for a, b in pairs:
        w = clmul(a, b)
        p = polymod(w, POLY)
        print("%032x %032x %032x %032x %032x" % (a, b, w >> 128, w & M, p))


if __name__ == "__main__":
    main()

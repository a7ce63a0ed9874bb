"""The arithmetic of INCRBYFLOAT: C's long double, emulated exactly.

Redis reads the value and the increment with strtold(), adds them as long
doubles, and prints the sum with 17 digits after the point. On x86-64, where
Redis is usually run, a long double is the x87 "extended" format: a 64-bit
significand, where Python's float (a C double) has 53 bits. The difference
shows in the replies: 10.5 + 0.1 prints as 10.6 in long doubles but as
10.59999999999999964 in doubles. The decimal module does not fit either: it
is exact in base ten, where Redis is not (1e20 + 1 stays 1e20 in 64 bits).

So we compute with fractions, which are exact, and round every result to
the nearest long double ourselves, ties to even, as the FPU does. Then every
digit Redis prints, we print too.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from fractions import Fraction

SIGNIFICAND_BITS = 64
TOO_LARGE = 2**16384  # every long double is below this
SMALLEST_EXPONENT = -16445  # the smallest one is 2**-16445 (a "subnormal" number)
MAX_TEXT = 5 * 1024  # Redis refuses a number written with this many characters or more

# What strtold() reads, in the C locale: a decimal number with an optional
# exponent, a hexadecimal one ("0x1.8p3" is 12) with an optional binary
# exponent, or infinity. It reads NaN too, but Redis refuses NaN.
NUMBER = re.compile(rb"""
    (?P<sign>[+-]?)
    (?: (?P<infinity>inf|infinity)
      | 0x (?P<hex>[0-9a-f]+\.?[0-9a-f]*|\.[0-9a-f]+) (?:p(?P<binary_exponent>[+-]?[0-9]+))?
      | (?P<decimal>[0-9]+\.?[0-9]*|\.[0-9]+) (?:e(?P<exponent>[+-]?[0-9]+))?
    )""", re.VERBOSE | re.IGNORECASE)

# Past this, any number of at most MAX_TEXT characters overflows or
# underflows. Clamping exponents to it keeps 10**exponent small even when
# the exponent has thousands of digits.
EXPONENT_LIMIT = 100_000

LongDouble = Fraction | float  # a float only for the infinities, math.inf and -math.inf


def parse(text: bytes) -> LongDouble | None:
    """The long double in `text`, or None where Redis says "not a valid float".

    Redis's rules: the whole text must be a number, with no space before or
    after it; a number so large that strtold() overflows, or so small that
    it becomes 0, is refused. "inf" is a valid float (the sum is then
    infinite, which INCRBYFLOAT refuses for a different reason).

    We round exactly. glibc's strtold() does too, with one known slip: a
    hexadecimal number of more than 64 bits, below about 3.4e-4932, can be
    rounded down where it should go up. We don't copy that bug.
    """
    match = NUMBER.fullmatch(text) if len(text) < MAX_TEXT else None
    if match is None:
        return None
    sign = -1 if match["sign"] == b"-" else 1
    if match["infinity"]:
        return sign * math.inf
    if match["hex"]:
        whole, _, fraction = match["hex"].partition(b".")
        significand = Fraction(int(whole + fraction, 16))
        power = Fraction(2) ** (clamped(match["binary_exponent"]) - 4 * len(fraction))
    else:
        whole, _, fraction = match["decimal"].partition(b".")
        # Decimal turns thousands of digits into a number; int() refuses past 4300.
        significand = Fraction(Decimal((whole + fraction).decode()))
        power = Fraction(10) ** (clamped(match["exponent"]) - len(fraction))
    exact = sign * significand * power
    rounded = round_to_long_double(exact)
    if rounded is None or (rounded == 0 and exact != 0):
        return None  # overflow or underflow: strtold() reports ERANGE, Redis refuses
    return rounded


def clamped(exponent: bytes | None) -> int:
    """An exponent as written (it may have thousands of digits), or 0 if there is none."""
    if exponent is None:
        return 0
    value = Decimal(exponent.decode())
    return int(max(-EXPONENT_LIMIT, min(EXPONENT_LIMIT, value)))


def round_to_long_double(exact: Fraction) -> Fraction | None:
    """The long double nearest to `exact` (ties to even), or None if it overflows."""
    if exact == 0:
        return exact
    magnitude = abs(exact)
    # The exponent e with 2**e <= magnitude < 2**(e+1).
    exponent = magnitude.numerator.bit_length() - magnitude.denominator.bit_length()
    if magnitude < Fraction(2) ** exponent:
        exponent -= 1
    # A long double is a 64-bit integer times a power of two: keep 64 bits
    # (fewer for the tiniest numbers, whose power cannot go lower).
    unit = Fraction(2) ** max(exponent - SIGNIFICAND_BITS + 1, SMALLEST_EXPONENT)
    rounded = round(magnitude / unit) * unit  # round() of a Fraction breaks ties to even
    if rounded >= TOO_LARGE:
        return None
    return rounded if exact > 0 else -rounded


def add(a: LongDouble, b: LongDouble) -> Fraction | None:
    """a + b as a long double, or None if the sum is infinite or not a number."""
    if isinstance(a, float) or isinstance(b, float):
        return None  # an infinity: the sum is infinite too, or NaN for inf + -inf
    return round_to_long_double(a + b)


def to_text(value: Fraction) -> bytes:
    """Print the way Redis does: printf("%.17Lf"), then trailing zeros and a
    trailing point dropped, so 3200.00000000000000000 becomes "3200". Never
    an exponent: 1e300 prints with all its 301 digits. A negative number
    that rounds to zero prints "0", not "-0"."""
    hundred_quadrillionths = round(abs(value) * 10**17)  # printf rounds ties to even, too
    digits = str(Decimal(hundred_quadrillionths)).rjust(18, "0")  # str(int) refuses past 4300 digits
    text = f"{digits[:-17]}.{digits[-17:]}".rstrip("0").rstrip(".")
    if value < 0 and text != "0":
        text = "-" + text
    return text.encode()

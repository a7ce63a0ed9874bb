"""Glob-style patterns, as KEYS, SCAN MATCH and CONFIG GET understand them.

    *       any run of bytes, even none      h*llo   hllo, heeeello
    ?       exactly one byte                 h?llo   hello, hallo
    [ae]    one of the bytes listed          h[ae]llo  hello, hallo
    [^e]    any byte but those listed        h[^e]llo  hallo, hbllo
    [a-c]   one byte in the range            h[a-b]llo  hallo, hbllo
    \\x      the byte x itself                h\\*llo  h*llo

Python's fnmatch is close but not the same (it has no backslash escapes, it
treats "[!a]" as negation and normalizes case on some systems), so we follow
Redis's own matcher, quirks included: an unclosed "[" takes the rest of the
pattern as its set, a backslash works inside brackets too, and an empty
string matches nothing but the empty pattern.
"""

from __future__ import annotations

STAR, QUESTION, OPEN, CLOSE, CARET, DASH, BACKSLASH = b"*?[]^-\\"


def glob_match(pattern: bytes, string: bytes, nocase: bool = False) -> bool:
    """True if the whole of `string` matches `pattern`.

    Every part of a pattern but "*" matches exactly one byte, so a classic
    two-pointer walk works: when a part fails, let the most recent "*" swallow
    one more byte and retry from there. That takes O(len(pattern) * len(string))
    at worst, where naive recursion can take exponential time.
    """
    if not string:
        # Redis's matcher stops before reading the pattern when the string is
        # empty, so only the empty pattern matches an empty key: not even "**".
        # (KEYS * and SCAN MATCH * still list it: for "*" they skip matching.)
        return not pattern
    p = s = 0
    star = -1  # position in the pattern just after the last "*" seen
    star_s = 0  # where in the string that "*" stopped swallowing
    while s < len(string):
        if p < len(pattern) and pattern[p] == STAR:
            p += 1
            star, star_s = p, s
            continue
        width = match_one(pattern, p, string[s], nocase) if p < len(pattern) else 0
        if width:
            p += width
            s += 1
        elif star >= 0:
            star_s += 1
            p, s = star, star_s
        else:
            return False
    while p < len(pattern) and pattern[p] == STAR:
        p += 1
    return p == len(pattern)


def match_one(pattern: bytes, p: int, byte: int, nocase: bool) -> int:
    """If the pattern part starting at p matches `byte`, how many pattern bytes
    that part takes; 0 if it does not match."""
    if pattern[p] == QUESTION:
        return 1
    if pattern[p] == BACKSLASH and p + 1 < len(pattern):
        return 2 if same(pattern[p + 1], byte, nocase) else 0
    if pattern[p] != OPEN:
        return 1 if same(pattern[p], byte, nocase) else 0
    start = p
    p += 1
    negate = p < len(pattern) and pattern[p] == CARET
    if negate:
        p += 1
    matched = False
    while p < len(pattern) and pattern[p] != CLOSE:
        if pattern[p] == BACKSLASH and p + 1 < len(pattern):
            p += 1
            matched |= pattern[p] == byte
        elif p + 2 < len(pattern) and pattern[p + 1] == DASH:
            low, high = sorted((signed(pattern[p]), signed(pattern[p + 2])))
            if nocase:
                low, high, value = lower(low), lower(high), lower(signed(byte))
            else:
                value = signed(byte)
            matched |= low <= value <= high
            p += 2
        else:
            matched |= same(pattern[p], byte, nocase)
        p += 1
    width = p + 1 - start if p < len(pattern) else p - start  # an unclosed "[" ends the pattern
    return width if matched != negate else 0


def same(a: int, b: int, nocase: bool) -> bool:
    return a == b or (nocase and lower(a) == lower(b))


def lower(byte: int) -> int:
    return byte + 32 if 65 <= byte <= 90 else byte  # ASCII only, like C's tolower()


def signed(byte: int) -> int:
    """Redis compares ranges as C chars, which are signed: bytes 128-255 sort below 0."""
    return byte - 256 if byte > 127 else byte

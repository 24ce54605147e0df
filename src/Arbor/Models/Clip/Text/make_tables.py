#!/usr/bin/python3
"""Writes python-text-tables.json.gz: the facts ClipTextCleaner needs to clean text exactly as OpenAI's CLIP tokenizer
(ftfy.fix_text, html.unescape, str.lower, the `regex` split pattern) does, taken from the reference libraries
themselves: Python 3.11 (Debian 12), regex 2022.10.31, and ftfy 6.3.1's tables (github.com/rspeer/python-ftfy).

Run: PYTHONPATH=/path/to/python-ftfy /usr/bin/python3 make_tables.py   (ftfy needs python3-wcwidth)
"""
import gzip, html, html.entities, json, re, sys, unicodedata
import regex
import ftfy, ftfy.chardata as cd, ftfy.badness as bd


def ranges(predicate):
    out, start = [], None
    for c in range(0x110000):
        ok = not (0xD800 <= c <= 0xDFFF) and predicate(chr(c))
        if ok and start is None: start = c
        if not ok and start is not None: out.append([start, c - 1]); start = None
    if start is not None: out.append([start, 0x10FFFF])
    return out


def deverbose(pattern):
    """A VERBOSE `re` pattern without its comments and insignificant ASCII whitespace (not inside classes/escapes)."""
    out, i, in_class = [], 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            out.append(pattern[i:i + 2]); i += 2; continue
        if in_class:
            if ch == "]" and not (out and out[-1] in ("[", "[^")): in_class = False
            out.append(ch); i += 1; continue
        if ch == "[":
            in_class = True
            if pattern[i + 1:i + 2] == "^": out.append("[^"); i += 2; continue
            out.append(ch); i += 1; continue
        if ch in " \t\n\r\v\f": i += 1; continue
        if ch == "#":
            while i < len(pattern) and pattern[i] != "\n": i += 1
            continue
        out.append(ch); i += 1
    result = "".join(out)
    assert re.compile(result).pattern and re.compile(result, 0).groups == re.compile(pattern, re.VERBOSE).groups
    return result


py_space = ranges(lambda c: c.isspace())
assert all(b <= 0xFFFF for a, b in py_space)
word = ranges(lambda c: re.match(r"\w", c) is not None)

# Python str.lower(): every code point whose lower case differs from itself.
lower = {c: chr(c).lower() for c in range(0x110000) if not (0xD800 <= c <= 0xDFFF) and chr(c).lower() != chr(c)}
# Final-sigma context classes, probed through str.lower() itself: 1 = case-ignorable, 2 = cased (and not ignorable).
def sigma_class(c):
    if (c + "Σ").lower()[-1] == "ς": return 2
    if ("aΣ" + c + "b").lower()[1] == "ς": return 0
    return 1
case_ignorable = ranges(lambda c: sigma_class(c) == 1)
cased = ranges(lambda c: sigma_class(c) == 2)

# The `regex` split pattern's classes as OpenAI compiles them (IGNORECASE).
letter = regex.compile(r"[\p{L}]", regex.IGNORECASE)
number = regex.compile(r"[\p{N}]", regex.IGNORECASE)
other = regex.compile(r"[^\s\p{L}\p{N}]", regex.IGNORECASE)
space = regex.compile(r"\s", regex.IGNORECASE)
split_letters = ranges(lambda c: letter.match(c) is not None)
split_numbers = ranges(lambda c: number.match(c) is not None)
split_other = ranges(lambda c: other.match(c) is not None)
# A code point in none of them (e.g. U+0345, whose case fold is a letter) is never part of a token, like white space.
assert letter.match("\u0345") is None and other.match("\u0345") is None
contraction_letters = {}
for s in "strevmld":
    pat = regex.compile(s, regex.IGNORECASE)
    contraction_letters[s] = [c for c in range(0x110000) if not (0xD800 <= c <= 0xDFFF) and pat.fullmatch(chr(c))]

# Unicode 14 (Python 3.11's unicodedata) canonical decompositions, combining classes and primary composites, for NFC.
decomposition, combining, composites = {}, {}, []
for c in range(0x110000):
    if 0xD800 <= c <= 0xDFFF or 0xAC00 <= c <= 0xD7A3: continue   # Hangul syllables are algorithmic
    d = unicodedata.decomposition(chr(c))
    if d and not d.startswith("<"):
        parts = [int(x, 16) for x in d.split()]
        decomposition[str(c)] = parts
        if len(parts) == 2 and unicodedata.normalize("NFC", chr(c)) == chr(c):
            composites.append([parts[0], parts[1], c])
    if unicodedata.combining(chr(c)): combining[str(c)] = unicodedata.combining(chr(c))
tables = {
    "unicode_version": unicodedata.unidata_version,
    "nfc_decomposition": decomposition,
    "nfc_combining_class": combining,
    "nfc_composites": composites,
    "python_space": py_space,
    "python_word": word,
    "lower": {str(k): v for k, v in lower.items()},
    "case_ignorable": case_ignorable,
    "cased": cased,
    "split_letters": split_letters,
    "split_numbers": split_numbers,
    "split_other": split_other,
    "contraction_letters": contraction_letters,
    "html5": html.entities.html5,
    "html_invalid_charrefs": {str(k): v for k, v in html._invalid_charrefs.items()},
    "html_invalid_codepoints": sorted(html._invalid_codepoints),
    "ftfy_html_entities": cd.HTML_ENTITIES,
    "ftfy_charmap_encodings": cd.CHARMAP_ENCODINGS,
    "ftfy_decoding_tables": {e: bytes(range(256)).decode(e, errors="replace" if e.startswith("sloppy") else "strict")
                              if not e.startswith("sloppy") else bytes(range(256)).decode(e) for e in cd.CHARMAP_ENCODINGS},
    "ftfy_ligatures": {str(k): v for k, v in cd.LIGATURES.items()},
    "ftfy_width_map": {str(k): v for k, v in cd.WIDTH_MAP.items()},
    "ftfy_control_chars": sorted(cd.CONTROL_CHARS),
    "ftfy_badness_re": deverbose(bd.BADNESS_RE.pattern),
    "ftfy_utf8_detector_re": deverbose(cd.UTF8_DETECTOR_RE.pattern),
    "ftfy_altered_utf8_re": cd.ALTERED_UTF8_RE.pattern.decode("latin-1"),
    "ftfy_lossy_utf8_re": cd.LOSSY_UTF8_RE.pattern.decode("latin-1"),
}
# Each single-byte table must round-trip (text.encode(e) is the inverse of the decoding table on its characters).
for e, table in tables["ftfy_decoding_tables"].items():
    assert len(table) == 256
    for b, ch in enumerate(table):
        if ch != "\ufffd" or e.startswith("sloppy"):
            assert ch.encode(e) == bytes([b]) or ch == "\ufffd", (e, b)
with gzip.open("python-text-tables.json.gz", "wt", encoding="utf-8", compresslevel=9) as f:
    json.dump(tables, f, ensure_ascii=True, separators=(",", ":"))
print({k: len(v) for k, v in tables.items()})

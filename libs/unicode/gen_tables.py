#!/usr/bin/env python3
"""Generates unicode_tables.inc and the test expectations in testdata/ from Python's unicodedata.

Usage (from anywhere; paths are relative to this script):
    python3 libs/unicode/gen_tables.py          # rewrite the files
    python3 libs/unicode/gen_tables.py --check  # exit 1 if the checked-in files are stale

The C++ library must not need Python to build, so the output is checked in. Everything is derived
from unicodedata alone (stdlib only); the derivations are asserted against unicodedata's own
normalizer so that a wrong derivation fails here rather than in the C++ tests.
"""

import os
import random
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
TABLES_PATH = os.path.join(HERE, "unicode_tables.inc")
NFC_CASES_PATH = os.path.join(HERE, "testdata", "nfc_cases.txt")
CHAR_CLASSES_PATH = os.path.join(HERE, "testdata", "char_classes.txt")
REGENERATE = "python3 libs/unicode/gen_tables.py"
MAX_CODE_POINT = 0x10FFFF

# Hangul syllables have no decomposition in unicodedata.decomposition(); the C++ side composes and
# decomposes them algorithmically (Unicode chapter 3.12), so the tables only need the jamo ranges.
HANGUL_S_BASE, HANGUL_L_BASE, HANGUL_V_BASE, HANGUL_T_BASE = 0xAC00, 0x1100, 0x1161, 0x11A7
HANGUL_L_COUNT, HANGUL_V_COUNT, HANGUL_T_COUNT = 19, 21, 28
HANGUL_S_COUNT = HANGUL_L_COUNT * HANGUL_V_COUNT * HANGUL_T_COUNT

# The characters the id/text rules single out get their Unicode name in error messages; everything
# else is described by its class, which is enough to tell a user what to remove.
NAMED_CODE_POINTS = (
    [0x061C, 0x200E, 0x200F]  # bidi marks
    + list(range(0x202A, 0x202F))  # bidi embeddings and overrides
    + list(range(0x2066, 0x206A))  # bidi isolates
    + [0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF]  # zero-width characters
    + [0x00A0, 0x1680] + list(range(0x2000, 0x200B)) + [0x2028, 0x2029, 0x202F, 0x205F, 0x3000]
)

# C++ enumerator per general category; the letter/mark/number/punctuation/symbol categories are all
# "graphic" because no rule distinguishes them, which keeps the run table at a third of the size.
CHAR_CLASS_OF_CATEGORY = {
    "Cc": "kControl",
    "Cf": "kFormat",
    "Cs": "kSurrogate",
    "Co": "kPrivateUse",
    "Cn": "kUnassigned",
    "Zs": "kSpaceSeparator",
    "Zl": "kLineSeparator",
    "Zp": "kParagraphSeparator",
}


def char_class(cp):
    return CHAR_CLASS_OF_CATEGORY.get(unicodedata.category(chr(cp)), "kGraphic")


def is_noncharacter(cp):
    return 0xFDD0 <= cp <= 0xFDEF or (cp & 0xFFFE) == 0xFFFE


def canonical_decomposition(cp):
    """The one-level canonical mapping as a list of code points, or None."""
    text = unicodedata.decomposition(chr(cp))
    if not text or text.startswith("<"):
        return None
    return [int(part, 16) for part in text.split()]


def ccc(cp):
    return unicodedata.combining(chr(cp))


def nfc(text):
    return unicodedata.normalize("NFC", text)


def derive_normalization_data():
    decompositions = {}  # code point -> [first] or [first, second]
    compositions = {}  # (first, second) -> primary composite
    quick_check_no = set()
    for cp in range(MAX_CODE_POINT + 1):
        mapping = canonical_decomposition(cp)
        if mapping is None:
            continue
        decompositions[cp] = mapping
        if len(mapping) == 1:
            quick_check_no.add(cp)  # singleton
        elif ccc(cp) != 0 or ccc(mapping[0]) != 0:
            quick_check_no.add(cp)  # non-starter decomposition
        elif nfc(chr(mapping[0]) + chr(mapping[1])) != chr(cp):
            quick_check_no.add(cp)  # composition exclusion
        else:
            compositions[(mapping[0], mapping[1])] = cp

    quick_check_maybe = {second for (_, second) in compositions}
    quick_check_maybe.update(range(HANGUL_V_BASE, HANGUL_V_BASE + HANGUL_V_COUNT))
    quick_check_maybe.update(range(HANGUL_T_BASE + 1, HANGUL_T_BASE + HANGUL_T_COUNT))

    # NFC_QC=No is exactly "does not survive NFC on its own" (Full_Composition_Exclusion).
    for cp in range(MAX_CODE_POINT + 1):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        survives = nfc(chr(cp)) == chr(cp)
        assert survives == (cp not in quick_check_no), hex(cp)
    assert not quick_check_no & quick_check_maybe

    # IsNfc treats "ccc 0 and NFC_QC=Yes" as a boundary that nothing can compose or reorder across.
    # That holds only if such a character's full decomposition starts with a starter that does not
    # compose backwards.
    def first_of_full_decomposition(cp):
        while cp in decompositions:
            cp = decompositions[cp][0]
        return cp

    for cp in range(MAX_CODE_POINT + 1):
        if ccc(cp) == 0 and cp not in quick_check_no and cp not in quick_check_maybe:
            first = first_of_full_decomposition(cp)
            assert ccc(first) == 0 and first not in quick_check_maybe, hex(cp)

    return decompositions, compositions, quick_check_no, quick_check_maybe


def runs_of(value_of):
    """[(first, value)] for every maximal run of equal values over all code points."""
    runs = []
    for cp in range(MAX_CODE_POINT + 1):
        value = value_of(cp)
        if not runs or runs[-1][1] != value:
            runs.append((cp, value))
    return runs


def ranges_of(value_of, default):
    """[(first, last, value)] for maximal runs whose value is not the default."""
    ranges = []
    for first, value in runs_of(value_of):
        if ranges:
            ranges[-1][1] = first - 1
        ranges.append([first, None, value])
    ranges[-1][1] = MAX_CODE_POINT
    return [tuple(r) for r in ranges if r[2] != default]


def format_rows(entries):
    """Packs entries into lines of at most 100 columns."""
    lines = []
    for entry in entries:
        if lines and len(lines[-1]) + len(entry) + 2 <= 100:
            lines[-1] += " " + entry + ","
        else:
            lines.append("    " + entry + ",")
    return "\n".join(lines)


def hex_cp(cp):
    return "0x%04X" % cp


def render_tables(decompositions, compositions, quick_check_no, quick_check_maybe):
    class_runs = runs_of(char_class)
    ccc_ranges = ranges_of(ccc, 0)

    def quick_check(cp):
        if cp in quick_check_no:
            return "kNo"
        if cp in quick_check_maybe:
            return "kMaybe"
        return "kYes"

    quick_check_ranges = ranges_of(quick_check, "kYes")
    names = []
    for cp in NAMED_CODE_POINTS:
        name = unicodedata.name(chr(cp))
        assert '"' not in name and "\\" not in name
        names.append((cp, name))

    out = [
        "// Generated by libs/unicode/gen_tables.py from Python's unicodedata, Unicode %s."
        % unicodedata.unidata_version,
        "// Do not edit. Regenerate (from the repository root): %s" % REGENERATE,
        "// Included only by libs/unicode/unicode_tables.h, which defines the entry types.",
        "// clang-format off",
        "",
        'inline constexpr std::string_view kUnicodeVersion = "%s";' % unicodedata.unidata_version,
        "",
        "using enum CharClass;",
        "using enum NfcQuickCheck;",
    ]

    def table(comment, declaration, entries):
        out.append("")
        out.extend("// " + line for line in comment)
        out.append("inline constexpr %s[] = {" % declaration)
        out.append(format_rows(entries))
        out.append("};")

    table(["General category, coarsened to what the id/text rules need. Each entry starts a run",
           "that lasts until the next entry's first code point."],
          "CharClassRun kCharClassRuns",
          ["{%s, %s}" % (hex_cp(f), v) for f, v in class_runs])
    table(["Canonical_Combining_Class; code points not listed have class 0."],
          "CombiningClassRange kCombiningClassRanges",
          ["{%s, %s, %d}" % (hex_cp(f), hex_cp(l), v) for f, l, v in ccc_ranges])
    table(["NFC_Quick_Check; code points not listed are Yes."],
          "QuickCheckRange kNfcQuickCheckRanges",
          ["{%s, %s, %s}" % (hex_cp(f), hex_cp(l), v) for f, l, v in quick_check_ranges])
    table(["One-level canonical decompositions (Hangul syllables are algorithmic), by code point;",
           "second is 0 for singletons."],
          "Decomposition kDecompositions",
          ["{%s, %s, %s}" % (hex_cp(cp), hex_cp(m[0]), hex_cp(m[1]) if len(m) == 2 else "0")
           for cp, m in sorted(decompositions.items())])
    table(["Primary composites (pairs minus composition exclusions; Hangul is algorithmic), by",
           "(first, second)."],
          "Composition kCompositions",
          ["{%s, %s, %s}" % (hex_cp(a), hex_cp(b), hex_cp(c))
           for (a, b), c in sorted(compositions.items())])
    out.append("")
    out.append("// Names of the characters the id/text rules single out, for error messages.")
    out.append("inline constexpr CharacterName kCharacterNames[] = {")
    out.extend('    {%s, "%s"},' % (hex_cp(cp), name) for cp, name in sorted(names))
    out.append("};")
    out.append("")
    out.append("// clang-format on")
    return "\n".join(out) + "\n"


def testdata_header(what):
    return ("# Generated by libs/unicode/gen_tables.py (Unicode %s); regenerate with %s\n# %s\n"
            % (unicodedata.unidata_version, REGENERATE, what))


def render_nfc_cases(quick_check_no, quick_check_maybe):
    rng = random.Random(20240601)
    hangul_syllables = list(range(HANGUL_S_BASE, HANGUL_S_BASE + HANGUL_S_COUNT))
    pools = [
        # ASCII, including the letters that take combining marks.
        [ord(c) for c in "abcdeghinorsuyzACEGNOSUZ019 -_./:"],
        # Precomposed Latin letters.
        [cp for cp in range(0x00C0, 0x0250) if unicodedata.category(chr(cp)).startswith("L")]
        + [cp for cp in range(0x1E00, 0x1F00) if unicodedata.category(chr(cp)).startswith("L")],
        list(range(0x0300, 0x0370)),  # combining marks of several classes (220, 230, 202, 240...)
        list(range(0x0300, 0x0370)),
        list(range(0x1100, 0x1113)) + list(range(0x1161, 0x1176)) + list(range(0x11A8, 0x11C3))
        + [0x1113, 0x115F, 0x1160, 0x1176, 0x11A7, 0x11C3],  # jamo, plus some that never compose
        [rng.choice(hangul_syllables) for _ in range(200)]
        + [HANGUL_S_BASE, HANGUL_S_BASE + HANGUL_S_COUNT - 1],
        list(range(0x0915, 0x093A)) + [0x093C, 0x094D] + list(range(0x093E, 0x094D))
        + list(range(0x0958, 0x0960)) + [0x0929, 0x0931, 0x0934],  # Devanagari, nukta forms
        list(range(0x0386, 0x03CF)) + [0x0301, 0x0308, 0x0313, 0x0314, 0x0342, 0x0345]
        + list(range(0x1F00, 0x1F20)) + [0x1FBB, 0x1FBE, 0x037E, 0x0387],  # Greek with tonos
        [0x4E2D, 0x6587, 0x5B57, 0x8AAA, 0xF900, 0xF9D1, 0xFA10, 0x2F800, 0x212B, 0x2126],  # CJK
        sorted(quick_check_no),
        sorted(quick_check_maybe),
        sorted(quick_check_maybe),
    ]
    precomposed_latin, marks = pools[1], pools[2]
    lines = [testdata_header("code points (hex) -> 1 if unicodedata.is_normalized('NFC', s)")]
    seen = set()
    while len(seen) < 3000:
        if rng.random() < 0.15:
            # A mark after a precomposed letter may have to be reordered into the letter's own
            # decomposition: e-acute + dot below is not NFC, its NFC is e-dot-below + acute.
            text = chr(rng.choice(precomposed_latin)) + "".join(
                chr(rng.choice(marks)) for _ in range(rng.randint(1, 3)))
        else:
            text = "".join(chr(rng.choice(rng.choice(pools))) for _ in range(rng.randint(1, 8)))
        # Random mixes are mostly not NFC; normalizing some of them puts marks that do not compose
        # next to ones that do, where a checker that is too eager would answer "not NFC".
        if rng.random() < 0.4:
            text = nfc(text)
        if text in seen:
            continue
        seen.add(text)
        verdict = 1 if unicodedata.is_normalized("NFC", text) else 0
        lines.append(" ".join("%04X" % ord(c) for c in text) + " -> %d\n" % verdict)
    return "".join(lines)


def is_identifier_char(cp):
    return char_class(cp) == "kGraphic" and not is_noncharacter(cp)


def is_text_char(cp):
    if cp < 0x20:
        return cp in (0x09, 0x0A)
    if 0x7F <= cp <= 0x9F or 0x202A <= cp <= 0x202E or 0x2066 <= cp <= 0x2069:
        return False
    return not (0xD800 <= cp <= 0xDFFF) and not is_noncharacter(cp)


def render_char_classes():
    rng = random.Random(20240602)
    samples = {0x00, 0x09, 0x0A, 0x0D, 0x1B, 0x20, 0x41, 0x7E, 0x7F, 0x80, 0x85, 0x9F, 0xA0, 0xAD,
               0xE9, 0x0378, 0x0600, 0x061C, 0x1680, 0x200A, 0x200B, 0x200C, 0x200D, 0x200E, 0x2028,
               0x2029, 0x202A, 0x202E, 0x202F, 0x2060, 0x2066, 0x2069, 0x206A, 0x3000, 0x4E2D,
               0xD7FF, 0xD800, 0xDFFF, 0xE000, 0xF8FF, 0xFDCF, 0xFDD0, 0xFDEF, 0xFDF0, 0xFEFF,
               0xFFFD, 0xFFFE, 0xFFFF, 0x1F600, 0x1FFFE, 0xE0001, 0xF0000, 0x10FFFD, 0x10FFFE,
               0x10FFFF}
    # Both sides of randomly chosen class boundaries catch off-by-one ranges in the table ...
    boundaries = [first for first, _ in runs_of(char_class)][1:]
    for first in rng.sample(boundaries, 40):
        samples.update((first - 1, first))
    # ... and one code point per 1/64th of the code space catches gross errors anywhere.
    stride = (MAX_CODE_POINT + 1) // 64
    for i in range(64):
        samples.add(i * stride + rng.randrange(stride))
    lines = [testdata_header("code point (hex), IsIdentifierChar, IsTextChar")]
    for cp in sorted(samples):
        lines.append("%04X %d %d\n" % (cp, is_identifier_char(cp), is_text_char(cp)))
    return "".join(lines)


def main():
    check_only = sys.argv[1:] == ["--check"]
    if sys.argv[1:] and not check_only:
        sys.exit(__doc__)
    decompositions, compositions, quick_check_no, quick_check_maybe = derive_normalization_data()
    outputs = {
        TABLES_PATH: render_tables(decompositions, compositions, quick_check_no, quick_check_maybe),
        NFC_CASES_PATH: render_nfc_cases(quick_check_no, quick_check_maybe),
        CHAR_CLASSES_PATH: render_char_classes(),
    }
    stale = []
    for path, text in outputs.items():
        try:
            with open(path, encoding="utf-8") as f:
                current = f.read()
        except FileNotFoundError:
            current = None
        if current == text:
            continue
        stale.append(os.path.relpath(path, HERE))
        if not check_only:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
    if check_only and stale:
        sys.exit("stale (run %s): %s" % (REGENERATE, ", ".join(stale)))
    if not check_only:
        print("unicode %s: %s" % (unicodedata.unidata_version,
                                  ", ".join(stale) + " rewritten" if stale else "up to date"))


if __name__ == "__main__":
    main()

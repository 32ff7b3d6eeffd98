#!/usr/bin/env python3
"""Writes iso_codes.inc from Debian's iso-codes package (apt-get install iso-codes)."""
import json
import pathlib

SRC = pathlib.Path("/usr/share/iso-codes/json")
countries = sorted(c["alpha_2"] for c in json.loads((SRC / "iso_3166-1.json").read_text())["3166-1"])
languages = sorted(c["alpha_2"] for c in json.loads((SRC / "iso_639-2.json").read_text())["639-2"] if "alpha_2" in c)


def wrap(items):
    lines, line = [], "    "
    for item in items:
        piece = f'"{item}", '
        if len(line) + len(piece) > 100:
            lines.append(line.rstrip())
            line = "    "
        line += piece
    lines.append(line.rstrip())
    return "\n".join(lines)


out = pathlib.Path(__file__).with_name("iso_codes.inc")
out.write_text(f"""// Generated from Debian's iso-codes package (/usr/share/iso-codes/json): the assigned
// ISO 3166-1 alpha-2 country codes and the ISO 639-1 (two-letter) language codes, sorted.
// Regenerate with libs/validation/gen_iso_codes.py when a code is assigned or withdrawn.
// clang-format off
inline constexpr std::string_view kCountryCodes[] = {{
{wrap(countries)}
}};
inline constexpr std::string_view kLanguageCodes[] = {{
{wrap(languages)}
}};
// clang-format on
""")

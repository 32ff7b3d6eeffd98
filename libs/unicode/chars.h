#pragma once
#include <string>

namespace aftersales::unicode {

// A character allowed in an identifier: a graphic character that is not a space.
// False for: general categories Cc, Cf (incl. bidi controls U+202A..202E, U+2066..2069, zero-width
// U+200B..200D, U+FEFF, U+2060), Cs, Co, Cn (unassigned), Zs (incl. U+3000 ideographic space,
// U+00A0), Zl, Zp, and the noncharacters (U+FDD0..FDEF, U+xxFFFE/U+xxFFFF).
// Anything invisible, blank or not yet assigned (rendered one way today, another once assigned)
// would let two different ids look the same in lists and logs.
bool IsIdentifierChar(char32_t c);

// A character allowed in free text (descriptions, notes): everything except C0 controls other
// than '\n' and '\t', DEL, C1 controls (U+0080..U+009F), the bidi embedding/override/isolate
// controls (U+202A..U+202E, U+2066..U+2069), surrogates and noncharacters. Unassigned code points
// ARE allowed here (newer emoji), and so are ZWJ/ZWNJ (needed by emoji sequences and Persian).
// The bidi controls are out because they can reorder how the rest of a line is displayed (e.g.
// around quoted ids) long after the note that contains them.
bool IsTextChar(char32_t c);

// A short human description of a rejected code point for error messages, e.g.
// "U+202E (RIGHT-TO-LEFT OVERRIDE)" or "U+0085 (control character)". Only the characters the
// rules above single out (bidi controls, zero-width characters, common spaces) are named; the
// rest are described by their class ("U+E000 (private-use character)").
std::string Describe(char32_t c);

}  // namespace aftersales::unicode

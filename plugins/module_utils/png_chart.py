# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A grouped bar chart written as a PNG with zlib and struct alone: the overhead report needs one
small chart, not a plotting library. Text is drawn in a 3x5 pixel font (upper case, digits and a
few signs; anything else is drawn as ``?``)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import struct
import zlib
from typing import Dict
from typing import List
from typing import Optional
from typing import Sequence
from typing import Tuple

Color = Tuple[int, int, int]
WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
GREY = (200, 200, 200)
PALETTE = [(120, 120, 120), (76, 114, 176), (221, 132, 82), (196, 78, 82), (85, 168, 104), (129, 114, 178)]

# Each glyph is five rows of three pixels; a row is one octal digit (4 = left, 2 = middle, 1 = right).
FONT = {
    "0": "75557", "1": "26227", "2": "71747", "3": "71317", "4": "55711", "5": "74717", "6": "74757",
    "7": "71122", "8": "75757", "9": "75717", "A": "25755", "B": "65656", "C": "34443", "D": "65556",
    "E": "74647", "F": "74644", "G": "34553", "H": "55755", "I": "72227", "J": "11152", "K": "55655",
    "L": "44447", "M": "57755", "N": "65555", "O": "25552", "P": "65644", "Q": "25563", "R": "65655",
    "S": "34216", "T": "72222", "U": "55557", "V": "55552", "W": "55775", "X": "55255", "Y": "55222",
    "Z": "71247", " ": "00000", ".": "00002", ",": "00024", "-": "00700", "_": "00007", "%": "51245",
    "/": "11244", "(": "24442", ")": "21112", ":": "02020", "+": "02720", "=": "07070", "$": "36236",
    "?": "71202",
}


class Canvas(object):
    """An RGB image in memory: filled rectangles and text, written out as PNG bytes."""

    def __init__(self, width: int, height: int, background: Color = WHITE) -> None:
        self.width = width
        self.height = height
        self.pixels = bytearray(bytes(background) * (width * height))

    def rect(self, x0: int, y0: int, x1: int, y1: int, color: Color) -> None:
        """Fill [x0, x1) x [y0, y1), clipped to the canvas."""
        x0, x1 = max(0, min(x0, x1)), min(self.width, max(x0, x1))
        y0, y1 = max(0, min(y0, y1)), min(self.height, max(y0, y1))
        if x0 >= x1:
            return
        row = bytes(color) * (x1 - x0)
        for y in range(y0, y1):
            start = (y * self.width + x0) * 3
            self.pixels[start:start + len(row)] = row

    def text(self, x: int, y: int, text: str, color: Color = BLACK, scale: int = 2) -> None:
        for index, char in enumerate(text.upper()):
            glyph = FONT.get(char, FONT["?"])
            left = x + index * 4 * scale
            for row, digit in enumerate(glyph):
                bits = int(digit, 8)
                for column in range(3):
                    if bits & (4 >> column):
                        self.rect(left + column * scale, y + row * scale, left + (column + 1) * scale,
                                  y + (row + 1) * scale, color)

    def pixel(self, x: int, y: int) -> Color:
        start = (y * self.width + x) * 3
        return tuple(self.pixels[start:start + 3])

    def png(self) -> bytes:
        stride = self.width * 3
        raw = b"".join(b"\x00" + bytes(self.pixels[y * stride:(y + 1) * stride]) for y in range(self.height))
        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)  # 8-bit RGB
        return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 9)) + \
            _chunk(b"IEND", b"")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def text_width(text: str, scale: int = 2) -> int:
    return len(text) * 4 * scale - scale if text else 0


def grouped_bars(canvas: Canvas, box: Tuple[int, int, int, int], title: str, groups: Sequence[str],
                 series: Sequence[str], values: Dict[str, Dict[str, Optional[float]]],
                 ranges: Optional[Dict[str, Dict[str, Optional[Tuple[float, float]]]]] = None,
                 label=lambda value: "%.2f" % value) -> None:
    """One panel in ``box`` (x0, y0, x1, y1): a bar per series in each group, scaled to the largest
    value (or range end), a value label over each bar, a min-max whisker where ``ranges`` has one;
    missing values draw nothing."""
    x0, y0, x1, y1 = box
    canvas.text(x0 + 4, y0 + 4, title, BLACK, 2)
    plot_top, plot_bottom = y0 + 40, y1 - 24
    ranges = ranges or {}
    tops = [0.0]
    for group in groups:
        for name in series:
            value = values.get(group, {}).get(name)
            spread = ranges.get(group, {}).get(name)
            tops.extend(v for v in ([value] + list(spread or [])) if v is not None)
    top = max(tops) or 1.0
    canvas.rect(x0 + 4, plot_bottom, x1 - 4, plot_bottom + 1, BLACK)
    slot = (x1 - x0 - 8) / float(max(1, len(groups)))
    bar_width = max(4, int(slot * 0.8 / max(1, len(series))))

    def height_of(value: float) -> int:
        return int(round((plot_bottom - plot_top) * value / top))

    for g, group in enumerate(groups):
        left = int(x0 + 4 + g * slot + slot * 0.1)
        canvas.text(int(x0 + 4 + g * slot + (slot - text_width(group)) / 2), plot_bottom + 6, group, BLACK, 2)
        for s, name in enumerate(series):
            value = values.get(group, {}).get(name)
            if value is None:
                continue
            bx = left + s * bar_width
            color = PALETTE[s % len(PALETTE)]
            canvas.rect(bx + 1, plot_bottom - height_of(value), bx + bar_width - 1, plot_bottom, color)
            spread = ranges.get(group, {}).get(name)
            if spread:
                middle = bx + bar_width // 2
                low, high = plot_bottom - height_of(spread[0]), plot_bottom - height_of(spread[1])
                canvas.rect(middle, high, middle + 1, low + 1, BLACK)
                canvas.rect(middle - 3, high, middle + 4, high + 1, BLACK)
                canvas.rect(middle - 3, low, middle + 4, low + 1, BLACK)
            text = label(value)
            scale = 1 if text_width(text, 2) > bar_width else 2
            canvas.text(bx + max(0, (bar_width - text_width(text, scale)) // 2),
                        plot_bottom - height_of(max(value, (spread or (0, 0))[1])) - 6 * scale - 2, text, BLACK,
                        scale)


def legend(canvas: Canvas, x: int, y: int, series: Sequence[str]) -> None:
    for s, name in enumerate(series):
        canvas.rect(x, y, x + 10, y + 10, PALETTE[s % len(PALETTE)])
        canvas.text(x + 14, y, name, BLACK, 2)
        x += 14 + text_width(name) + 20


def overhead_chart(groups: List[str], series: List[str], panels: List[Dict], width: int = 1000,
                   height: int = 420) -> bytes:
    """The PNG of side-by-side panels (dicts: title, values, ranges, label) with one legend."""
    canvas = Canvas(width, height)
    panel_width = width // max(1, len(panels))
    for index, panel in enumerate(panels):
        box = (index * panel_width, 0, (index + 1) * panel_width, height - 30)
        grouped_bars(canvas, box, panel["title"], groups, series, panel["values"], panel.get("ranges"),
                     panel.get("label", lambda value: "%.2f" % value))
        if index:
            canvas.rect(box[0], 8, box[0] + 1, box[3] - 8, GREY)
    legend(canvas, 8, height - 20, series)
    return canvas.png()

"""module_utils.png_chart: a valid PNG (signature, chunk CRCs, header, pixel rows) read back with
zlib alone, rectangles clipped, text in the 3x5 font, bars scaled to the largest value."""

from __future__ import annotations

import struct
import sys
import zlib
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(CHECKOUT / ".venv" / "collections"))

from ansible_collections.dbaudit.postgresql.plugins.module_utils import png_chart  # noqa: E402


def decode(png: bytes):
    """(width, height, rows of RGB tuples), checking what a PNG reader checks."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks = 8, []
    while position < len(png):
        (length,) = struct.unpack(">I", png[position:position + 4])
        kind = png[position + 4:position + 8]
        data = png[position + 8:position + 8 + length]
        (crc,) = struct.unpack(">I", png[position + 8 + length:position + 12 + length])
        assert crc == zlib.crc32(kind + data) & 0xFFFFFFFF, kind
        chunks.append((kind, data))
        position += 12 + length
    assert [chunk[0] for chunk in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    width, height, depth, color_type, compression, filtering, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (depth, color_type, compression, filtering, interlace) == (8, 2, 0, 0, 0)
    raw = zlib.decompress(chunks[1][1])
    assert len(raw) == height * (1 + width * 3)
    rows = []
    for y in range(height):
        line = raw[y * (1 + width * 3):(y + 1) * (1 + width * 3)]
        assert line[0] == 0  # filter type None
        rows.append([tuple(line[1 + x * 3:4 + x * 3]) for x in range(width)])
    return width, height, rows


def test_png_round_trip_and_clipping():
    canvas = png_chart.Canvas(7, 4)
    canvas.rect(5, 2, 20, 20, (255, 0, 0))  # runs off the canvas: clipped
    canvas.rect(3, 3, 1, 1, (0, 0, 255))  # corners in any order
    canvas.rect(-5, 0, 0, 4, (0, 255, 0))  # nothing inside
    width, height, rows = decode(canvas.png())
    assert (width, height) == (7, 4)
    assert rows[3][6] == (255, 0, 0) and rows[2][5] == (255, 0, 0) and rows[1][6] == png_chart.WHITE
    assert rows[1][1] == (0, 0, 255) and rows[2][2] == (0, 0, 255) and rows[3][3] == png_chart.WHITE
    assert rows[0][0] == png_chart.WHITE


def test_font_glyphs_are_five_rows_of_three_pixels():
    for char, glyph in png_chart.FONT.items():
        assert len(glyph) == 5 and all(digit in "01234567" for digit in glyph), char


def test_text_draws_the_glyph_and_unknown_characters_as_question_marks():
    canvas = png_chart.Canvas(8, 5)
    canvas.text(0, 0, "1", scale=1)
    canvas.text(4, 0, "\u00e9", scale=1)
    rows = decode(canvas.png())[2]
    ink = [["#" if pixel == png_chart.BLACK else "." for pixel in row] for row in rows]
    assert ["".join(row[:3]) for row in ink] == [".#.", "##.", ".#.", ".#.", "###"]
    assert ["".join(row[4:7]) for row in ink] == ["###", "..#", ".#.", "...", ".#."]
    assert png_chart.text_width("AB", 2) == 14


def test_chart_bars_scale_to_the_largest_value():
    png = png_chart.overhead_chart(["w"], ["off", "full"], [
        dict(title="T", values={"w": {"off": 1.0, "full": 0.5}}, ranges={"w": {"full": (0.4, 0.6)}}),
        dict(title="V", values={"w": {"off": 0.0, "full": None}}),
    ], width=400, height=300)
    width, height, rows = decode(png)
    assert (width, height) == (400, 300)

    def bar_height(color):
        columns = [x for x in range(200) if any(rows[y][x] == color for y in range(height - 60, height - 54))]
        assert columns, color
        x = columns[1]  # beside the whisker drawn down the middle
        return sum(1 for y in range(height) if rows[y][x] == color)

    off, full = png_chart.PALETTE[0], png_chart.PALETTE[1]
    assert bar_height(full) == pytest.approx(bar_height(off) / 2, abs=2)
    # The second panel has no bar for a missing value: only the legend square is in that colour.
    assert not any(rows[y][x] == full for y in range(0, height - 30) for x in range(200, 400))

"""Pictures of charts: a chart's Vega-Lite specification rendered to PNG or SVG.

Rendering runs in-process (vl-convert embeds the Vega engine), so no browser and no
network is needed. A ``table`` chart has no picture: the result table is what a face
shows for it, so asking to render one is refused and names the chart types that draw.
"""

from __future__ import annotations

from typing import Literal

import vl_convert

from parley.engine.charts import CHART_TYPES
from parley.engine.events import Chart
from parley.errors import InvalidInput, ParleyError

ImageFormat = Literal["png", "svg"]

#: The chart types that have a picture.
DRAWABLE = tuple(t for t in CHART_TYPES if t != "table")


def _latest_v5() -> str:
    versions = [v for v in vl_convert.get_vegalite_versions() if v.startswith("5.")]
    return "v" + max(versions, key=lambda v: tuple(int(p) for p in v.split(".")))


#: Our specifications are Vega-Lite v5; the renderer may also bundle later majors.
VEGA_LITE_VERSION = _latest_v5()


def render_chart(chart: Chart, fmt: ImageFormat, *, scale: float = 2.0) -> bytes:
    """The chart as PNG or SVG bytes; ``scale`` multiplies the PNG's pixel size."""
    if fmt not in ("png", "svg"):
        raise InvalidInput(f"unknown image format {fmt!r}: use png or svg")
    if chart.type == "table" or not chart.vega_lite:
        raise InvalidInput(
            "a table has no picture; ask for a chart type: " + ", ".join(DRAWABLE),
            detail={"chart_type": chart.type},
        )
    if not 0 < scale <= 8:
        raise InvalidInput(f"scale {scale} is out of range: use a number above 0 and up to 8")
    try:
        if fmt == "svg":
            svg: str = vl_convert.vegalite_to_svg(chart.vega_lite, vl_version=VEGA_LITE_VERSION)
            return svg.encode("utf-8")
        png: bytes = vl_convert.vegalite_to_png(
            chart.vega_lite, vl_version=VEGA_LITE_VERSION, scale=scale
        )
        return png
    except (ValueError, RuntimeError) as exc:
        # vl-convert reports an unusable specification this way; the spec is ours,
        # so this is a defect to surface, not the user's input.
        raise ParleyError(f"the {chart.type} chart could not be rendered: {exc}") from exc

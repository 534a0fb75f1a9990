"""Animations for the web pages: frames become a self-contained HTML player.

Two ways to make a player, both returning the player as one HTML string
(show it in a notebook with ``IPython.display.HTML(player)``):

* :func:`animate_images`: a list of pictures (e.g. one ``image_grid`` per
  epoch, or weight images every few hundred steps), shown one after the other;
* :func:`animate_figure`: a matplotlib figure you build once and a
  ``draw_frame(i)`` function that moves its artists (a path growing over a
  contour map, a decision boundary changing).

The player is the one of matplotlib's ``Animation.to_jshtml`` (made by
``matplotlib.animation.HTMLWriter``): every frame is embedded
as a PNG (with a palette of at most 256 colours unless told otherwise), with
a slider, play / pause / step buttons and a loop selector, and it needs
nothing but the page itself. Embedded frames make pages heavy, so
both functions enforce a bound: at most :data:`MAX_FRAMES` frames, a
resolution of at most :data:`MAX_DPI` dots per inch, and at most
:data:`MAX_HTML_BYTES` bytes of HTML per player. Asking for more raises a
``ValueError`` that names the limit (nothing is truncated silently).

Examples
--------
>>> import numpy as np
>>> frames = [np.full((8, 8), value) for value in np.linspace(0, 1, 5)]   # doctest: +SKIP
>>> player = animate_images(frames, titles=[f"frame {i}" for i in range(5)])  # doctest: +SKIP
>>> from IPython.display import HTML; HTML(player)                          # doctest: +SKIP
"""

from __future__ import annotations

import base64
import io
import re
import tempfile
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from ._matplotlib import pyplot as _pyplot

__all__ = ["MAX_DPI", "MAX_FRAMES", "MAX_HTML_BYTES", "animate_figure", "animate_images", "frame_indices"]

#: Most frames one player may hold.
MAX_FRAMES = 60
#: Highest figure resolution (dots per inch) a player is drawn at.
MAX_DPI = 100
#: Largest player, in bytes of HTML (frames included).
MAX_HTML_BYTES = 1_500_000

# The player's buttons use Font Awesome icon classes, which a page without
# that font shows as empty buttons; these plain characters replace them.
_BUTTON_ICONS = {
    '<i class="fa fa-minus"></i>': "\u2212",
    '<i class="fa fa-fast-backward"></i>': "\u23ee",
    '<i class="fa fa-step-backward"></i>': "\u25c0\u2759",
    '<i class="fa fa-play fa-flip-horizontal"></i>': "\u25c0",
    '<i class="fa fa-pause"></i>': "\u2759\u2759",
    '<i class="fa fa-play"></i>': "\u25b6",
    '<i class="fa fa-step-forward"></i>': "\u2759\u25b6",
    '<i class="fa fa-fast-forward"></i>': "\u23ed",
    '<i class="fa fa-plus"></i>': "+",
}

#: The player's link to the Font Awesome stylesheet on a CDN.
_ICON_FONT_LINK = re.compile(r'<link rel="stylesheet"\s+href="[^"]*font-awesome[^"]*">\s*')


def frame_indices(n_items: int, n_frames: int) -> np.ndarray:
    """Pick at most ``n_frames`` evenly spaced indices of ``n_items``, first and last included.

    Parameters
    ----------
    n_items : int
        How many recorded items there are (e.g. the 1,501 points of a path).
    n_frames : int
        How many frames the player may have (at most :data:`MAX_FRAMES`).

    Returns
    -------
    ndarray of shape (min(n_items, n_frames),), int
        Increasing indices into the items.
    """
    if n_items < 1:
        raise ValueError(f"need at least one item to pick frames from, got {n_items}")
    if n_frames < 1:
        raise ValueError(f"n_frames must be >= 1, got {n_frames}")
    if n_frames == 1:
        return np.array([n_items - 1])
    return np.unique(np.round(np.linspace(0, n_items - 1, min(n_items, n_frames))).astype(int))


def _check_bounds(n_frames: int, dpi: float, max_bytes: int) -> None:
    if isinstance(n_frames, bool) or not isinstance(n_frames, (int, np.integer)):
        raise TypeError(f"the number of frames must be an integer, got {n_frames!r}")
    if n_frames < 1:
        raise ValueError("an animation needs at least one frame, got none")
    if n_frames > MAX_FRAMES:
        raise ValueError(
            f"{n_frames} frames is more than the limit of MAX_FRAMES = {MAX_FRAMES} per player; "
            "record less often or pick frames with frame_indices"
        )
    if not 0 < dpi <= MAX_DPI:
        raise ValueError(f"dpi must be in (0, MAX_DPI = {MAX_DPI}], got {dpi}")
    if not 0 < max_bytes <= MAX_HTML_BYTES:
        raise ValueError(f"max_bytes must be in (0, MAX_HTML_BYTES = {MAX_HTML_BYTES}], got {max_bytes}")


_FRAME = re.compile(r'(frames\[\d+\] = "data:image/png;base64,)([^"]*)(")')


def _with_palette(match, colours: int) -> str:
    """One embedded frame re-encoded as a PNG of at most ``colours`` colours (smaller by about 5 times)."""
    from PIL import Image

    data = base64.b64decode(re.sub(r"\\\n|\s", "", match.group(2)))
    picture = Image.open(io.BytesIO(data)).convert("RGB")
    buffer = io.BytesIO()
    picture.quantize(colours, method=Image.Quantize.FASTOCTREE).save(buffer, format="png", optimize=True)
    return match.group(1) + base64.b64encode(buffer.getvalue()).decode("ascii") + match.group(3)


def _check_colours(colours) -> None:
    if colours is not None and (isinstance(colours, bool) or not isinstance(colours, (int, np.integer))
                                or not 2 <= colours <= 256):
        raise ValueError(f"colours must be an integer from 2 to 256, or None for full colour; got {colours!r}")


def _player(figure, update: Callable[[int], object], n_frames: int, *, interval: float, dpi: float,
            max_bytes: int, mode: str, colours: int | None) -> str:
    """Render ``n_frames`` frames of ``figure`` (``update(i)`` before frame ``i``) into the HTML player.

    The frames go through matplotlib's ``HTMLWriter``, the writer behind
    ``Animation.to_jshtml``, driven directly so that every frame is drawn
    once (an ``Animation`` draws each frame two more times on the way).
    """
    from matplotlib.animation import HTMLWriter

    plt = _pyplot()
    if mode not in ("loop", "once", "reflect"):
        raise ValueError(f"mode must be 'loop', 'once' or 'reflect', got {mode!r}")
    try:
        figure.set_dpi(dpi)
        # The writer's own limit (in MB) only drops frames with a warning: keep it far above ours,
        # which is checked on the finished player (the frames shrink when they get a palette).
        writer = HTMLWriter(fps=1000 / interval, embed_frames=True, default_mode=mode, embed_limit=200)
        with plt.rc_context({"animation.frame_format": "png", "savefig.bbox": None,
                             "savefig.facecolor": "white"}), tempfile.TemporaryDirectory() as folder:
            path = Path(folder, "player.html")
            with writer.saving(figure, path, dpi):
                for index in range(n_frames):
                    update(index)
                    # With a palette to come, this PNG is only an intermediate: compress it little.
                    writer.grab_frame(pil_kwargs={"compress_level": 1 if colours is not None else 6})
            html = path.read_text(encoding="utf-8")
    finally:
        plt.close(figure)  # the player replaces the figure: the notebook should not show it as well
    if len(_FRAME.findall(html)) != n_frames:
        raise ValueError(f"the player holds {len(_FRAME.findall(html))} frames instead of {n_frames}")
    if colours is not None:
        html = _FRAME.sub(lambda match: _with_palette(match, colours), html)
    for icon, text in _BUTTON_ICONS.items():
        html = html.replace(icon, f'<span aria-hidden="true">{text}</span>')
    # With the icons replaced, the icon font's stylesheet (fetched from a CDN) is not needed:
    # dropping it keeps the page free of requests to other hosts.
    html = _ICON_FONT_LINK.sub("", html)
    size = len(html.encode("utf-8"))
    if size > max_bytes:
        raise ValueError(
            f"the player is {size:,} bytes of HTML, more than the limit of {max_bytes:,} bytes "
            f"(MAX_HTML_BYTES = {MAX_HTML_BYTES:,}); use fewer frames, a smaller figure or a lower dpi"
        )
    return html


def animate_images(
    frames,
    *,
    titles: Sequence[str] | None = None,
    scale: float = 2.0,
    cmap: str | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
    interval: float = 300,
    dpi: float = 100,
    max_bytes: int = MAX_HTML_BYTES,
    mode: str = "loop",
    colours: int | None = 256,
) -> str:
    """Turn a sequence of pictures into an HTML player, one picture per frame.

    Parameters
    ----------
    frames : sequence of ndarray, or ndarray of shape (n_frames, height, width[, channels])
        The pictures, all of the same shape: ``(height, width)`` (drawn with
        ``cmap``), ``(height, width, 3)`` RGB or ``(height, width, 4)`` RGBA,
        either ``uint8`` or floats in [0, 1] (e.g. what ``image_grid``
        returns). At most :data:`MAX_FRAMES`.
    titles : sequence of str, optional
        One caption per frame, drawn above the picture (e.g. ``"step 200"``).
    scale : float, default 2.0
        Screen pixels per picture pixel. With ``titles`` the frame is at
        least 200 pixels wide, so that the caption fits.
    cmap : str, optional
        Colour map of single-channel pictures (default matplotlib's).
    vmin, vmax : float, optional
        Colour range of single-channel pictures; default the range over all
        frames, so that every frame uses the same colours.
    interval : float, default 300
        Milliseconds between frames when playing.
    dpi : float, default 100
        Resolution of the frames, at most :data:`MAX_DPI`.
    max_bytes : int, default MAX_HTML_BYTES
        Refuse a player larger than this (at most :data:`MAX_HTML_BYTES`).
    mode : {"loop", "once", "reflect"}, default "loop"
        What the player does at the last frame.
    colours : int or None, default 256
        Each frame is stored as a PNG of at most this many colours (2 to
        256; a palette, as in a GIF), about a fifth of the size of a
        full-colour PNG of a plot; None keeps full colour.

    Returns
    -------
    str
        The player's HTML (for ``IPython.display.HTML``).

    Raises
    ------
    ValueError
        If there are no frames, the frames differ in shape or are not
        pictures, ``titles`` does not have one entry per frame, or a bound
        (:data:`MAX_FRAMES`, :data:`MAX_DPI`, ``max_bytes``) is exceeded.
    """
    frames = [np.asarray(frame) for frame in frames]
    if not frames:
        raise ValueError("animate_images needs at least one frame, got none")
    shape = frames[0].shape
    if len(shape) not in (2, 3) or (len(shape) == 3 and shape[2] not in (3, 4)):
        raise ValueError(
            f"each frame must be a picture of shape (height, width), (height, width, 3) or "
            f"(height, width, 4); the first frame has shape {shape}"
        )
    for index, frame in enumerate(frames):
        if frame.shape != shape:
            raise ValueError(
                f"all frames must have the same shape: frame 0 has shape {shape}, frame {index} has {frame.shape}"
            )
    if titles is not None:
        titles = [str(title) for title in titles]
        if len(titles) != len(frames):
            raise ValueError(f"titles has {len(titles)} entries for {len(frames)} frames; give one per frame")
    _check_bounds(len(frames), dpi, max_bytes)
    _check_colours(colours)
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")

    plt = _pyplot()
    height, width = shape[:2]
    picture_width, picture_height = width * scale, height * scale
    band = 24 if titles is not None else 0  # pixels above the picture for the caption
    figure_width = max(picture_width, 200 if titles is not None else 0)  # room for the caption
    figure = plt.figure(figsize=(figure_width / dpi, (picture_height + band) / dpi), dpi=dpi)
    left = (figure_width - picture_width) / 2 / figure_width
    axis = figure.add_axes((left, 0.0, picture_width / figure_width, picture_height / (picture_height + band)))
    axis.axis("off")
    options = {}
    if len(shape) == 2:
        stacked = np.stack(frames)
        options = dict(
            cmap=cmap,
            vmin=float(np.min(stacked)) if vmin is None else vmin,
            vmax=float(np.max(stacked)) if vmax is None else vmax,
        )
    image = axis.imshow(frames[0], interpolation="nearest", **options)
    caption = figure.text(0.5, 1.0 - 2 / (picture_height + band), "", ha="center", va="top", fontsize=10)

    def update(index):
        image.set_data(frames[index])
        if titles is not None:
            caption.set_text(titles[index])

    return _player(figure, update, len(frames), interval=interval, dpi=dpi, max_bytes=max_bytes, mode=mode,
                   colours=colours)


def animate_figure(
    figure,
    draw_frame: Callable[[int], object],
    n_frames: int,
    *,
    interval: float = 200,
    dpi: float = 72,
    max_bytes: int = MAX_HTML_BYTES,
    mode: str = "loop",
    colours: int | None = 256,
) -> str:
    """Turn a figure and a function that redraws it into an HTML player.

    Build the figure once (axes, contour map, empty lines); ``draw_frame(i)``
    then changes its artists for frame ``i`` (``line.set_data``,
    ``image.set_data``, ``axis.set_title``, ...). The figure is closed
    afterwards: the player takes its place.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
    draw_frame : callable
        Called as ``draw_frame(i)`` for ``i = 0, 1, ..., n_frames - 1`` in
        turn, each call followed by one picture of the figure; its return
        value is ignored.
    n_frames : int
        Number of frames, 1 to :data:`MAX_FRAMES`.
    interval : float, default 200
        Milliseconds between frames when playing.
    dpi : float, default 72
        Resolution of the frames, at most :data:`MAX_DPI` (the figure's
        size in inches times ``dpi`` is the frame size in pixels).
    max_bytes : int, default MAX_HTML_BYTES
        Refuse a player larger than this (at most :data:`MAX_HTML_BYTES`).
    mode : {"loop", "once", "reflect"}, default "loop"
        What the player does at the last frame.
    colours : int or None, default 256
        Each frame is stored as a PNG of at most this many colours (2 to
        256; a palette, as in a GIF), about a fifth of the size of a
        full-colour PNG of a plot; None keeps full colour.

    Returns
    -------
    str
        The player's HTML (for ``IPython.display.HTML``).

    Raises
    ------
    TypeError
        If ``figure`` is not a matplotlib figure or ``draw_frame`` is not callable.
    ValueError
        If ``n_frames`` is below 1 or a bound (:data:`MAX_FRAMES`,
        :data:`MAX_DPI`, ``max_bytes``) is exceeded.
    """
    from matplotlib.figure import Figure

    if not isinstance(figure, Figure):
        raise TypeError(f"figure must be a matplotlib Figure, got {type(figure).__name__}")
    if not callable(draw_frame):
        raise TypeError(f"draw_frame must be callable as draw_frame(i), got {type(draw_frame).__name__}")
    try:
        _check_bounds(n_frames, dpi, max_bytes)
        _check_colours(colours)
    except (TypeError, ValueError):
        _pyplot().close(figure)
        raise
    return _player(figure, draw_frame, int(n_frames), interval=interval, dpi=dpi, max_bytes=max_bytes, mode=mode,
                   colours=colours)

"""Home page (the démarches) and the stylesheet carrying the town's colours."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template

bp = Blueprint("home", __name__)

THEME = """:root {{
  --town-color: {color};
  --town-color-dark: {dark};
}}
"""


@bp.get("/")
def index() -> str:
    """The démarches a citizen can start; only public-space reports are open yet."""
    return render_template("home/index.html")


@bp.get("/theme.css")
def theme() -> Response:
    """Town colours as CSS custom properties: a same-origin file, so the CSP stays strict."""
    config = current_app.config
    css = THEME.format(color=config["TOWN_COLOR"], dark=config["TOWN_COLOR_DARK"])
    response = Response(css, mimetype="text/css")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response

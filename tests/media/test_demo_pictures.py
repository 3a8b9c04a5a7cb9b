"""The demo's photos: drawn by the project (fedlocal/cli/demo/pictures.py), each one a
picture the upload pipeline takes; the shipped seeds give some offers and an event a
photo with its description, and a seed photo without a description is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from fedlocal.cli.demo.pictures import DRAWINGS, picture
from fedlocal.cli.demo.seed import Event, check_seeds, read_seed
from fedlocal.config import ConfigError, load_config
from fedlocal.media.processing import process
from tests.e2e.test_demo_config import copy_on_free_ports

SEEDS = Path(__file__).parents[2] / "instances" / "seed"


@pytest.mark.parametrize("name", sorted(DRAWINGS))
def test_each_drawing_goes_through_the_pipeline(name: str) -> None:
    drawn = DRAWINGS[name]()
    processed = process(picture(name))
    assert processed.source_type == "image/jpeg"
    # Under 1,600 px: kept at its size; the thumbnail is 400 px
    assert (processed.original.width, processed.original.height) == drawn.size
    assert max(processed.small.width, processed.small.height) == 400


def test_the_shipped_seeds_have_photos_with_descriptions() -> None:
    items = [
        item
        for path in sorted(SEEDS.glob("*.toml"))
        for seed in [read_seed(path)]
        for item in (*seed.listings, *seed.events)
        if item.photo
    ]
    assert len(items) >= 4
    assert any(isinstance(item, Event) for item in items)
    assert all(item.photo in DRAWINGS and (item.photo_alt or "").strip() for item in items)


def test_a_seed_photo_needs_its_description(tmp_path: Path) -> None:
    copy_on_free_ports(tmp_path)
    configs = {p.stem: load_config(p, environ={}) for p in sorted(tmp_path.glob("*.toml"))}
    seed_file = tmp_path / "seed" / "parame.toml"
    text = seed_file.read_text("utf-8")
    described = 'photo_alt = "Des pommes rouges dans un panier, sur l’herbe"'
    assert described in text
    seed_file.write_text(text.replace(described, 'photo_alt = " "'), "utf-8")
    seeds = {name: read_seed(tmp_path / "seed" / f"{name}.toml") for name in configs}
    with pytest.raises(ConfigError, match="pommes: a photo needs its description"):
        check_seeds(configs, seeds)

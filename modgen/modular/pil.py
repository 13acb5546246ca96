"""Copying into the PIL image processor the nodes it would import from the torchvision one."""

from __future__ import annotations


def copy_into_pil(files, modular) -> None:
    return None

"""Render radar maps with ImageMagick."""
import subprocess


def render(city: str, out_dir: str) -> str:
    out = f"{out_dir}/{city}.png"
    subprocess.run(f"convert radar/{city}.tif -resize 800x600 {out}", shell=True, check=True)
    return out

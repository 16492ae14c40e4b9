"""Barcode pictures and short videos for the camera tests and the benchmark, made on the spot:
python-barcode draws the 1-D codes, qrcode the QR codes, OpenCV's VideoWriter writes the video
(mp4v in .mp4 or MJPG in .avi). A frame is a grey, slightly noisy "counter" with the label
pasted on, a little rotated, like a product held up to a camera."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

KINDS = {"EAN13": ("ean13", 12), "EAN8": ("ean8", 7), "UPCA": ("upca", 11), "CODE128": ("code128", None)}


def code_image(kind: str, data: str) -> np.ndarray:
    """A clean grey image of one code. For EAN/UPC `data` may carry its check digit (dropped:
    python-barcode adds it itself)."""
    if kind == "QRCODE":
        import qrcode

        qr = qrcode.QRCode(border=4, box_size=6, error_correction=qrcode.constants.ERROR_CORRECT_M)
        qr.add_data(data)
        qr.make(fit=True)
        image = qr.make_image(fill_color="black", back_color="white").convert("L")
        return np.array(image, dtype=np.uint8)
    import barcode
    from barcode.writer import ImageWriter

    name, digits = KINDS[kind]
    payload = data[:digits] if digits else data
    writer = ImageWriter()
    symbol = barcode.get(name, payload, writer=writer)
    image = symbol.render({"module_width": 0.3, "module_height": 12.0, "quiet_zone": 4.0,
                           "font_size": 8, "text_distance": 3.0, "dpi": 200, "write_text": True})
    return np.array(image.convert("L"), dtype=np.uint8)


def background(width: int, height: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = np.full((height, width), 150, dtype=np.int16)
    base += rng.integers(-18, 18, size=(height, width), dtype=np.int16)
    return np.clip(base, 0, 255).astype(np.uint8)


def frame_with(code: np.ndarray | None, width: int, height: int, *, seed: int = 1, angle: float = 4.0,
               fill: float = 0.45, offset: tuple[int, int] = (0, 0)) -> np.ndarray:
    """A BGR frame: the noisy background with `code` pasted in the middle (None: empty view),
    scaled to `fill` of the frame width and turned by `angle` degrees."""
    frame = background(width, height, seed)
    if code is not None:
        scale = fill * width / code.shape[1]
        scale = min(scale, 0.8 * height / code.shape[0])
        label = cv2.resize(code, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        h, w = label.shape
        canvas = np.full((h + 40, w + 40), 255, dtype=np.uint8)
        canvas[20:20 + h, 20:20 + w] = label
        matrix = cv2.getRotationMatrix2D((canvas.shape[1] / 2, canvas.shape[0] / 2), angle, 1.0)
        turned = cv2.warpAffine(canvas, matrix, (canvas.shape[1], canvas.shape[0]), borderValue=150)
        mask = cv2.warpAffine(np.full_like(canvas, 255), matrix, (canvas.shape[1], canvas.shape[0]))
        y = max(0, (height - turned.shape[0]) // 2 + offset[1])
        x = max(0, (width - turned.shape[1]) // 2 + offset[0])
        region = frame[y:y + turned.shape[0], x:x + turned.shape[1]]
        cut = turned[:region.shape[0], :region.shape[1]]
        keep = mask[:region.shape[0], :region.shape[1]] > 0
        region[keep] = cut[keep]
    return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)


def write_video(path: Path, frames: Sequence[np.ndarray], fps: float = 25.0) -> Path:
    """Write frames (all the same size, BGR) as .mp4 (mp4v) or .avi (MJPG)."""
    height, width = frames[0].shape[:2]
    fourcc = cv2.VideoWriter_fourcc(*("MJPG" if path.suffix.lower() == ".avi" else "mp4v"))
    writer = cv2.VideoWriter(str(path), fourcc, fps, (width, height))
    if not writer.isOpened():
        raise RuntimeError(f"OpenCV cannot write {path.suffix} here")
    try:
        for frame in frames:
            writer.write(frame)
    finally:
        writer.release()
    return path


def scene(codes: Sequence[tuple[str, str] | None], width: int = 640, height: int = 480,
          frames_each: int = 8) -> list[np.ndarray]:
    """A clip: for each entry `frames_each` frames showing that code (None: nothing in view)."""
    out = []
    for i, entry in enumerate(codes):
        image = code_image(*entry) if entry else None
        for k in range(frames_each):
            out.append(frame_with(image, width, height, seed=i * 100 + k, angle=3.0 + k * 0.5,
                                  offset=(k * 3, -k * 2)))
    return out

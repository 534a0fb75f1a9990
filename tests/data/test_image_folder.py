"""Image-folder loader on SYNTHETIC images (solid colours and patterns) in folders and tar.gz archives."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from synthetic_datasets import image_bytes, write_tar_gz, write_tree

import classroom.data.image_folder as image_folder_module
from classroom.data import CorruptDataError, decode_image, load_image_folder

RED, GREEN, BLUE = (200, 10, 10), (10, 200, 10), (10, 10, 200)


def solid(color, height=8, width=8) -> np.ndarray:
    """A synthetic single-colour image."""
    return np.broadcast_to(np.array(color, dtype=np.uint8), (height, width, 3)).copy()


def split_tree_files() -> dict[str, bytes]:
    """train/test x cat/dog synthetic PNGs: cats red, dogs blue."""
    return {
        "train/dog/b.png": image_bytes(solid(BLUE)),
        "train/cat/2.png": image_bytes(solid(RED)),
        "train/cat/1.png": image_bytes(solid(RED)),
        "train/dog/a.png": image_bytes(solid(BLUE)),
        "train/dog/notes.txt": b"not an image",
        "train/cat/.hidden.png": b"ignored hidden file",
        "test/cat/x.png": image_bytes(solid(RED)),
        "test/dog/y.png": image_bytes(solid(BLUE)),
    }


@pytest.fixture(params=["tree", "tar.gz"])
def split_source(request, tmp_path):
    """The same synthetic split/class/image tree as a folder or as a .tar.gz."""
    if request.param == "tree":
        return write_tree(tmp_path / "photos", split_tree_files())
    return write_tar_gz(tmp_path / "photos.tar.gz", split_tree_files())


def test_split_folder_gives_sorted_classes_labels_and_paths(split_source):
    dataset = load_image_folder(split_source, split="train", size=(8, 8))
    assert dataset.classes == ["cat", "dog"]
    assert dataset.paths == ["train/cat/1.png", "train/cat/2.png", "train/dog/a.png", "train/dog/b.png"]
    np.testing.assert_array_equal(dataset.labels, [0, 0, 1, 1])
    assert dataset.labels.dtype == np.int64
    assert dataset.images.shape == (4, 8, 8, 3) and dataset.images.dtype == np.uint8
    np.testing.assert_array_equal(dataset.images[0], solid(RED))
    np.testing.assert_array_equal(dataset.images[3], solid(BLUE))
    assert len(dataset) == 4


def test_test_split_is_read_separately(split_source):
    dataset = load_image_folder(split_source, split="test", size=8)
    assert dataset.paths == ["test/cat/x.png", "test/dog/y.png"]


def test_split_none_on_a_split_tree_asks_for_a_split(split_source):
    with pytest.raises(ValueError, match="pass split="):
        load_image_folder(split_source, size=8)


def test_unknown_split_lists_the_folders_found(split_source):
    with pytest.raises(ValueError, match=r"no images found under a 'val' folder.*'test', 'train'"):
        load_image_folder(split_source, split="val", size=8)


def test_class_image_layout_with_wrapper_folder_in_archive(tmp_path):
    files = {
        "my_photos/cat/a.jpg": image_bytes(solid(RED), fmt="JPEG"),
        "my_photos/dog/b.png": image_bytes(solid(BLUE)),
    }
    dataset = load_image_folder(write_tar_gz(tmp_path / "mine.tar.gz", files), size=(4, 6))
    assert dataset.classes == ["cat", "dog"] and dataset.images.shape == (2, 4, 6, 3)


@pytest.mark.parametrize("mode", ["L", "LA", "P", "RGBA", "CMYK", "I;16", "1", "RGB"])
def test_every_pillow_mode_becomes_rgb(mode):
    pixels = solid((120, 120, 120), 10, 12)
    if mode == "I;16":
        image = Image.fromarray(np.full((10, 12), 120 * 257, dtype=np.uint16))
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        data = buffer.getvalue()
    else:
        data = image_bytes(pixels, mode=mode, fmt="TIFF" if mode == "CMYK" else "PNG")
    decoded = decode_image(data, name="synthetic", size=(10, 12))
    assert decoded.shape == (10, 12, 3) and decoded.dtype == np.uint8
    if mode == "1":  # 1-bit images dither mid-grey into black and white dots
        assert set(np.unique(decoded)) == {0, 255}
    else:
        np.testing.assert_allclose(decoded, 120, atol=2)


def test_transparent_pixels_are_composited_on_white():
    rgba = np.zeros((4, 4, 4), dtype=np.uint8)
    rgba[:2] = (255, 0, 0, 255)  # opaque red top half, transparent bottom half
    buffer = io.BytesIO()
    Image.fromarray(rgba, mode="RGBA").save(buffer, format="PNG")
    decoded = decode_image(buffer.getvalue(), name="synthetic", size=None)
    np.testing.assert_array_equal(decoded[0, 0], [255, 0, 0])
    np.testing.assert_array_equal(decoded[3, 3], [255, 255, 255])


def test_resize_keeps_aspect_ratio_by_centre_cropping():
    wide = np.zeros((20, 40, 3), dtype=np.uint8)
    wide[:, :10] = RED  # left quarter red: cropped away
    wide[:, 10:30] = GREEN  # centre square green: kept
    wide[:, 30:] = BLUE  # right quarter blue: cropped away
    decoded = decode_image(image_bytes(wide), name="synthetic", size=(10, 10))
    assert decoded.shape == (10, 10, 3)
    np.testing.assert_allclose(decoded[:, 1:-1].reshape(-1, 3).mean(axis=0), GREEN, atol=3)


def test_mixed_sizes_and_modes_in_one_folder(tmp_path):
    files = {
        "a/big.png": image_bytes(solid(RED, 50, 30)),
        "a/grey.png": image_bytes(solid((90, 90, 90), 7, 7), mode="L"),
        "b/palette.gif": image_bytes(solid(BLUE, 16, 20), mode="P", fmt="GIF"),
        "b/alpha.png": image_bytes(solid(GREEN, 9, 11), mode="RGBA"),
        "b/cmyk.jpg": image_bytes(solid(RED, 12, 12), mode="CMYK", fmt="JPEG"),
    }
    dataset = load_image_folder(write_tree(tmp_path / "mixed", files), size=(16, 16))
    assert dataset.images.shape == (5, 16, 16, 3)
    np.testing.assert_array_equal(dataset.labels, [0, 0, 1, 1, 1])


def test_mixed_sizes_without_size_are_rejected(tmp_path):
    files = {"a/1.png": image_bytes(solid(RED, 8, 8)), "a/2.png": image_bytes(solid(RED, 9, 8))}
    with pytest.raises(ValueError, match="different sizes"):
        load_image_folder(write_tree(tmp_path / "mixed", files), size=None)


@pytest.mark.parametrize("container", ["tree", "tar.gz"])
def test_corrupt_image_is_reported_by_name(tmp_path, container):
    files = split_tree_files()
    files["train/cat/broken.jpg"] = image_bytes(solid(RED), fmt="JPEG")[:40]
    source = write_tree(tmp_path / "t", files) if container == "tree" else write_tar_gz(tmp_path / "t.tar.gz", files)
    with pytest.raises(CorruptDataError, match="train/cat/broken.jpg") as caught:
        load_image_folder(source, split="train", size=8)
    assert str(source) in str(caught.value)


def test_non_image_bytes_with_image_name_are_reported(tmp_path):
    files = {"cat/fake.png": b"this is text, not a PNG"}
    with pytest.raises(CorruptDataError, match="cat/fake.png"):
        load_image_folder(write_tar_gz(tmp_path / "f.tar.gz", files), size=8)


def test_truncated_archive_is_reported(tmp_path):
    path = write_tar_gz(tmp_path / "cut.tar.gz", split_tree_files())
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(CorruptDataError, match="cut.tar.gz"):
        load_image_folder(path, split="train", size=8)


def test_missing_path_and_bad_size_are_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_image_folder(tmp_path / "nowhere")
    write_tree(tmp_path / "ok", {"a/1.png": image_bytes(solid(RED))})
    with pytest.raises(ValueError, match="size must be"):
        load_image_folder(tmp_path / "ok", size=(0, 8))


def test_images_outside_class_folders_are_rejected(tmp_path):
    write_tree(tmp_path / "flat", {"1.png": image_bytes(solid(RED))})
    with pytest.raises(ValueError, match="not inside a class folder"):
        load_image_folder(tmp_path / "flat", size=8)


def test_cached_load_skips_decoding_and_source_change_invalidates(tmp_path, monkeypatch):
    source = write_tar_gz(tmp_path / "photos.tar.gz", split_tree_files())
    calls = []
    original = image_folder_module._decode_folder

    def counting(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(image_folder_module, "_decode_folder", counting)
    cache = tmp_path / "cache"
    first = load_image_folder(source, split="train", size=8, cache_dir=cache)
    second = load_image_folder(source, split="train", size=8, cache_dir=cache)
    assert len(calls) == 1
    np.testing.assert_array_equal(first.images, second.images)
    assert second.classes == first.classes and second.paths == first.paths
    load_image_folder(source, split="train", size=4, cache_dir=cache)
    assert len(calls) == 2, "another size is another cache entry"
    files = split_tree_files()
    files["train/cat/3.png"] = image_bytes(solid(GREEN))
    write_tar_gz(source, files)
    third = load_image_folder(source, split="train", size=8, cache_dir=cache)
    assert len(calls) == 3 and len(third) == 5


def test_exif_orientation_of_phone_photos_is_applied():
    landscape = np.zeros((4, 8, 3), dtype=np.uint8)
    image = Image.fromarray(landscape)
    exif = image.getexif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes())
    assert decode_image(buffer.getvalue(), name="synthetic", size=None).shape == (8, 4, 3)


def test_zip_archive_of_class_folders(tmp_path):
    import zipfile

    with zipfile.ZipFile(tmp_path / "photos.zip", "w") as archive:
        for name, data in split_tree_files().items():
            archive.writestr(name, data)
        archive.writestr("__MACOSX/train/cat/._1.png", b"resource fork, not an image")
    dataset = load_image_folder(tmp_path / "photos.zip", split="train", size=8)
    assert dataset.paths == ["train/cat/1.png", "train/cat/2.png", "train/dog/a.png", "train/dog/b.png"]


def test_unsupported_file_type_is_rejected(tmp_path):
    (tmp_path / "photos.rar").write_bytes(b"whatever")
    with pytest.raises(ValueError, match="neither a folder nor"):
        load_image_folder(tmp_path / "photos.rar")


def test_labels_agree_between_splits_when_a_split_lacks_a_class(tmp_path):
    files = {
        "train/cat/1.png": image_bytes(solid(RED)),
        "train/dog/1.png": image_bytes(solid(GREEN)),
        "train/fox/1.png": image_bytes(solid(BLUE)),
        "test/cat/1.png": image_bytes(solid(RED)),
        "test/fox/1.png": image_bytes(solid(BLUE)),
    }
    test = load_image_folder(write_tree(tmp_path / "photos", files), split="test", size=8)
    assert test.classes == ["cat", "dog", "fox"]
    np.testing.assert_array_equal(test.labels, [0, 2])

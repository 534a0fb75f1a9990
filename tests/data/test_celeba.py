"""CelebA loader on SYNTHETIC 89x109 'faces' (a bright square framed by bands) in a folder or tar.gz."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic_datasets import image_bytes, write_tar_gz, write_tree

import classroom.data.celeba as celeba_module
from classroom.data import CorruptDataError, MissingDataError, load_celeba


@pytest.fixture(autouse=True)
def no_download_from_the_environment(monkeypatch):
    """CLASSROOM_DOWNLOAD=1 in a developer's shell must not make these tests reach for the network."""
    monkeypatch.delenv("CLASSROOM_DOWNLOAD", raising=False)


def synthetic_portrait(shade: int, width: int = 89, height: int = 109) -> np.ndarray:
    """A portrait whose centred square is ``shade`` grey and whose top/bottom bands are pure red."""
    pixels = np.zeros((height, width, 3), dtype=np.uint8)
    pixels[:] = (255, 0, 0)
    top = (height - width) // 2
    pixels[top : top + width] = shade
    return pixels


def portrait_files(count: int, width: int = 89, height: int = 109) -> dict[str, bytes]:
    """``img_align_celeba/000001.png`` ... with shades 10, 20, 30, ... (synthetic)."""
    return {
        f"img_align_celeba/{index:06d}.png": image_bytes(synthetic_portrait(10 * index, width, height))
        for index in range(count, 0, -1)  # stored in reverse order on purpose
    }


@pytest.fixture(params=["tar.gz", "folder"])
def celeba_dir(request, tmp_path):
    """A data directory with 6 synthetic portraits in ``celeba/``."""
    folder = tmp_path / "celeba"
    folder.mkdir()
    if request.param == "tar.gz":
        write_tar_gz(folder / "faces.tar.gz", portrait_files(6))
    else:
        write_tree(folder, portrait_files(6))
    return tmp_path


def test_faces_are_centre_cropped_squares_in_name_order(celeba_dir):
    faces = load_celeba(size=16, data_dir=celeba_dir)
    assert faces.shape == (6, 16, 16, 3) and faces.dtype == np.uint8
    # The centred square holds only grey: no red band may survive the crop.
    shades = faces.reshape(6, -1, 3).mean(axis=1)
    np.testing.assert_allclose(shades, np.repeat(10 * np.arange(1, 7)[:, None], 3, axis=1), atol=1.5)


def test_full_size_portraits_crop_rows_20_to_198(tmp_path):
    write_tree(tmp_path / "celeba", portrait_files(2, width=178, height=218))
    faces = load_celeba(size=8, data_dir=tmp_path)
    np.testing.assert_allclose(faces[1], 20, atol=1.5)


def test_limit_returns_first_faces_and_uses_full_cache(celeba_dir, monkeypatch):
    calls = []
    original = celeba_module._decode_celeba

    def counting(*args):
        calls.append(args)
        return original(*args)

    monkeypatch.setattr(celeba_module, "_decode_celeba", counting)
    first_two = load_celeba(size=8, limit=2, data_dir=celeba_dir)
    assert len(first_two) == 2 and len(calls) == 1
    everything = load_celeba(size=8, data_dir=celeba_dir)
    again = load_celeba(size=8, data_dir=celeba_dir)
    first_three = load_celeba(size=8, limit=3, data_dir=celeba_dir)
    assert len(calls) == 2, "the full decode is cached and serves every limit"
    np.testing.assert_array_equal(again, everything)
    np.testing.assert_array_equal(first_three, everything[:3])
    np.testing.assert_array_equal(first_two, everything[:2])
    assert first_three.flags.writeable


def test_missing_celeba_explains_source_licence_and_folder(tmp_path):
    with pytest.raises(MissingDataError) as caught:
        load_celeba(data_dir=tmp_path)
    message = str(caught.value)
    assert "Align&Cropped Images" in message and "non-commercial" in message
    assert str(tmp_path / "celeba") in message and "img_align_celeba" in message


def test_corrupt_face_is_named(tmp_path):
    files = portrait_files(3)
    files["img_align_celeba/000002.png"] = b"\x89PNG broken"
    (tmp_path / "celeba").mkdir()
    write_tar_gz(tmp_path / "celeba" / "faces.tar.gz", files)
    with pytest.raises(CorruptDataError, match="img_align_celeba/000002.png"):
        load_celeba(size=8, data_dir=tmp_path)


@pytest.mark.parametrize("arguments", [{"size": 0}, {"size": 8.5}, {"limit": 0}, {"limit": -3}])
def test_bad_size_or_limit_is_rejected(tmp_path, arguments):
    with pytest.raises(ValueError, match="must be a positive int"):
        load_celeba(data_dir=tmp_path, **arguments)


def test_official_zip_layout_is_read_without_extracting(tmp_path):
    import zipfile

    (tmp_path / "celeba").mkdir()
    with zipfile.ZipFile(tmp_path / "celeba" / "img_align_celeba.zip", "w") as archive:
        for name, data in portrait_files(4).items():
            archive.writestr(name, data)
    faces = load_celeba(size=8, limit=3, data_dir=tmp_path)
    assert faces.shape == (3, 8, 8, 3)
    np.testing.assert_allclose(faces[2], 30, atol=1.5)
    assert sorted(path.name for path in (tmp_path / "celeba").iterdir()) == ["img_align_celeba.zip"]


def test_several_archives_are_ambiguous(tmp_path):
    (tmp_path / "celeba").mkdir()
    write_tar_gz(tmp_path / "celeba" / "a.tar.gz", portrait_files(1))
    write_tar_gz(tmp_path / "celeba" / "b.tar.gz", portrait_files(1))
    with pytest.raises(ValueError, match="keep only one"):
        load_celeba(size=8, data_dir=tmp_path)

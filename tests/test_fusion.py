from rag import fusion


def test_rrf_rewards_agreement():
    dense = {"a": 0.9, "b": 0.8, "c": 0.1}
    keyword = {"b": 12.0, "c": 3.0, "d": 1.0}
    ranked = [cid for cid, _ in fusion.reciprocal_rank([dense, keyword], k=60)]
    assert ranked[0] == "b"  # 2nd + 1st beats 1st + absent
    assert set(ranked) == {"a", "b", "c", "d"}


def test_rrf_weights_shift_the_winner():
    dense = {"a": 0.9, "b": 0.1}
    keyword = {"b": 5.0, "a": 1.0}
    assert fusion.reciprocal_rank([dense, keyword], weights=[2.0, 1.0])[0][0] == "a"
    assert fusion.reciprocal_rank([dense, keyword], weights=[1.0, 2.0])[0][0] == "b"


def test_min_max_handles_flat_and_empty():
    assert fusion.min_max({}) == {}
    assert fusion.min_max({"a": 3.0, "b": 3.0}) == {"a": 1.0, "b": 1.0}
    assert fusion.min_max({"a": 1.0, "b": 3.0}) == {"a": 0.0, "b": 1.0}


def test_weighted_fusion_is_convex_combination():
    dense = {"a": 0.9, "b": 0.5, "c": 0.7}
    keyword = {"a": 0.0, "b": 10.0, "c": 5.0}
    only_dense = [cid for cid, _ in fusion.weighted([dense, keyword], [1.0, 0.0])]
    only_kw = [cid for cid, _ in fusion.weighted([dense, keyword], [0.0, 1.0])]
    assert only_dense == ["a", "c", "b"]
    assert only_kw == ["b", "c", "a"]
    half = dict(fusion.weighted([dense, keyword], [0.5, 0.5]))
    assert abs(half["c"] - (0.5 * 0.5 + 0.5 * 0.5)) < 1e-9  # c: dense 0.5 normalised, kw 0.5 normalised

"""Incremental prefix features (PrefixFeatures) equal D's CNN re-run on every padded prefix (FullPrefix)."""
import pytest
import torch

from leakgan.models.discriminator import PAD, Discriminator, DiscriminatorConfig
from leakgan.models.prefix_features import FullPrefix, PrefixFeatures, prefix_features

torch.set_num_threads(1)


def discriminator(seq_len, sizes, counts, vocab=40, seed=0):
    D = Discriminator(DiscriminatorConfig(vocab, seq_len, emb_dim=7, filter_sizes=sizes, num_filters=counts))
    D.reset_parameters(torch.Generator().manual_seed(seed))
    return D.eval()


CASES = [(1, (1,), (3,)), (5, (1, 2, 3, 4, 5), (2, 3, 1, 4, 2)), (9, (9, 4, 1, 7), (3, 2, 5, 1)), (20, (), ())]


@pytest.mark.parametrize("seq_len,sizes,counts", CASES)
@pytest.mark.parametrize("length", ["whole", "short", "empty"])
def test_incremental_features_equal_the_cnn_on_every_padded_prefix(seq_len, sizes, counts, length):
    D = discriminator(seq_len, sizes, counts, seed=seq_len)
    n = {"whole": seq_len, "short": max(1, seq_len // 3), "empty": 0}[length]
    tokens = torch.randint(0, 40, (6, n), generator=torch.Generator().manual_seed(n))
    full = prefix_features(D, tokens, "full")
    fast = prefix_features(D, tokens, "incremental")
    assert fast.shape == full.shape == (6, n + 1, D.cfg.feature_dim)
    torch.testing.assert_close(fast, full, rtol=1e-5, atol=1e-5)


def test_each_step_matches_the_full_cnn_including_windows_longer_than_the_prefix():
    # windows of 6 and 9 cover more positions than the first prefixes hold; PAD tokens pushed
    # mid-sequence (padded text rows) must read exactly like padding
    D = discriminator(9, (1, 6, 9), (4, 3, 2), seed=3)
    tokens = torch.randint(0, 40, (5, 9), generator=torch.Generator().manual_seed(4))
    tokens[1, 6:] = PAD
    fast, full = PrefixFeatures.start(D, 5, "cpu"), FullPrefix.start(D, 5, "cpu")
    torch.testing.assert_close(fast.pooled, full.pooled)
    for t in range(9):
        torch.testing.assert_close(fast.push(tokens[:, t]), full.push(tokens[:, t]), rtol=1e-5, atol=1e-5)
    assert fast.length == full.length == 9
    with pytest.raises(ValueError, match="already holds all 9 positions"):
        fast.push(tokens[:, 0])


def test_selected_and_joined_states_continue_like_the_originals():
    D = discriminator(6, (1, 2, 6), (2, 3, 4), seed=5)
    tokens = torch.randint(0, 40, (4, 6), generator=torch.Generator().manual_seed(6))
    state = PrefixFeatures.start(D, 4, "cpu")
    for t in range(3):
        state.push(tokens[:, t])
    index = torch.tensor([3, 1, 1])
    joined = PrefixFeatures.cat([state.select(index), state.select(torch.tensor([0]))])
    for t in range(3, 6):
        joined.push(tokens[[3, 1, 1, 0], t])
    expected = prefix_features(D, tokens[[3, 1, 1, 0]], "full")[:, -1]
    torch.testing.assert_close(D.head(joined.pooled), expected, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="same prefix length"):
        PrefixFeatures.cat([joined, state])


def test_table_and_matrix_projections_agree():
    D = discriminator(5, (1, 2, 5), (3, 2, 2), seed=7)
    tokens = torch.randint(-1, 40, (8,), generator=torch.Generator().manual_seed(8))
    plain, table = PrefixFeatures.weights_of(D), PrefixFeatures.weights_of(D, table=True)
    torch.testing.assert_close(table.projection(tokens), plain.projection(tokens))
    assert plain.table is None and table.table.shape == (41, (1 * 3 + 2 * 2 + 5 * 2))

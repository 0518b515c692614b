import pytest
import torch

from leakgan.models.discriminator import PAD, Discriminator, DiscriminatorConfig, filter_sizes
from leakgan.models.prefix_features import prefix_features

torch.set_num_threads(1)  # tiny convolutions: extra threads only contend on the shared cores


def tiny(seq_len=8, **kw) -> Discriminator:
    cfg = DiscriminatorConfig(vocab_size=30, seq_len=seq_len, emb_dim=8, filter_sizes=(1, 2, seq_len),
                              num_filters=(3, 4, 5), **kw)
    model = Discriminator(cfg)
    model.reset_parameters(torch.Generator().manual_seed(0))
    return model


def test_filter_sizes_follow_table_7():
    sizes, counts = filter_sizes(20)
    assert sizes == (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 20)
    assert counts == (100, 200, 200, 200, 200, 100, 100, 100, 100, 100, 160, 160)
    assert sum(counts) == 1720  # the feature size quoted for length 20
    sizes, counts = filter_sizes(40)
    assert sizes[10:] == (16, 20, 30, 40) and sum(counts) == 2040


def test_filter_sizes_for_other_lengths_reach_the_full_length():
    assert filter_sizes(32)[0][10:] == (15, 20, 32)  # the authors' COCO setup
    assert filter_sizes(5) == ((1, 2, 3, 4, 5), (100, 200, 200, 200, 200))
    assert filter_sizes(12)[0][-1] == 12


def test_window_longer_than_sequence_is_rejected():
    with pytest.raises(ValueError, match="does not fit"):
        DiscriminatorConfig(vocab_size=5, seq_len=4, filter_sizes=(1, 5), num_filters=(2, 2))


def test_shapes_and_gradients_reach_every_layer():
    D = tiny()
    tokens = torch.randint(0, 30, (6, 8), generator=torch.Generator().manual_seed(1))
    assert D.feature(tokens).shape == (6, 12)
    assert D(tokens).shape == (6, 2)
    D.loss(tokens, torch.tensor([0, 1, 0, 1, 0, 1])).backward()
    for name, param in D.named_parameters():
        assert param.grad is not None and float(param.grad.abs().sum()) > 0, name


def test_padding_reads_embedding_row_zero_and_token_ids_row_id_plus_one():
    # Through D itself: with only the padding row and token 3's row (row 4) non-zero, a prefix
    # of pads scores like the empty prefix, and token 3 moves D's pooled features (token 4 does not).
    D = tiny()
    with torch.no_grad():
        D.embedding.weight.zero_()
        D.embedding.weight[0] = 1.0  # padding row
        D.embedding.weight[4] = 2.0  # token id 3
    pads = torch.full((1, 8), PAD)
    zeros = torch.zeros(1, 8, dtype=torch.long)  # token id 0 -> row 1, all zero
    with_three = pads.clone()
    with_three[0, 0] = 3
    with_four = pads.clone()
    with_four[0, 0] = 4  # row 5: zero, like token 0
    pooled_pad, pooled_three = D.pooled(pads), D.pooled(with_three)
    assert not torch.equal(pooled_pad, pooled_three)
    assert torch.equal(D.pooled(with_four), D.pooled(torch.where(torch.arange(8) == 0, zeros, pads)))
    assert not torch.equal(D.pooled(zeros), pooled_pad)  # id 0 is a word, not padding

def test_prefix_features_equal_a_direct_pass_on_each_padded_prefix():
    D = tiny().eval()
    tokens = torch.randint(0, 30, (3, 8), generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        feats = prefix_features(D, tokens, chunk=5)  # a chunk size that splits rows unevenly
        assert feats.shape == (3, 9, 12)
        for t in range(9):
            padded = torch.full((3, 8), PAD)
            padded[:, :t] = tokens[:, :t]
            torch.testing.assert_close(feats[:, t], D.feature(padded), rtol=0, atol=1e-6)
        torch.testing.assert_close(feats[:, 8], D.feature(tokens), rtol=0, atol=1e-6)
        # a shorter input is padded to seq_len: its prefixes are those of the longer one
        torch.testing.assert_close(prefix_features(D, tokens[:, :3]), feats[:, :4], rtol=0, atol=1e-6)


def test_l2_penalty_is_on_the_output_layer_only():
    D = tiny()
    tokens = torch.randint(0, 30, (4, 8), generator=torch.Generator().manual_seed(3))
    labels = torch.tensor([1, 0, 1, 0])
    with torch.no_grad():
        D.classifier.weight.fill_(0.1)
        D.classifier.bias.fill_(0.1)
    ce = torch.nn.functional.cross_entropy(D(tokens), labels)
    # 0.2 · ½ (24 weights + 2 biases) · 0.01 = 0.026
    torch.testing.assert_close(D.loss(tokens, labels) - ce, torch.tensor(0.026), rtol=0, atol=1e-6)


def test_real_prob_is_class_one():
    D = tiny()
    with torch.no_grad():
        D.classifier.weight.zero_()
        D.classifier.bias.copy_(torch.tensor([0.0, 2.0]))
    prob = D.real_prob(torch.zeros(2, 8, dtype=torch.long))
    torch.testing.assert_close(prob, torch.sigmoid(torch.tensor([2.0, 2.0])))

"""The learning-rate schedules against mx.lr_scheduler and hand-computed sequences."""
import mxnet as mx
import pytest

from d2lnotes.schedules import ReduceLROnPlateau, cosine_lr, cosine_scheduler, step_lr


def test_step_lr_matches_factor_scheduler():
    reference = mx.lr_scheduler.FactorScheduler(step=3, factor=0.5, base_lr=0.4)
    for epoch in range(20):  # FactorScheduler counts updates from 1; it is stateful, so call it in order
        assert step_lr(epoch, 0.4, step_size=3, factor=0.5) == pytest.approx(reference(epoch + 1), rel=1e-12)
    assert [step_lr(e, 1.0, 2, 0.1) for e in range(5)] == pytest.approx([1, 1, 0.1, 0.1, 0.01])
    with pytest.raises(ValueError):
        step_lr(0, 0.1, step_size=0)


@pytest.mark.parametrize("warmup", [0, 4])
def test_cosine_lr_matches_cosine_scheduler(warmup):
    reference = mx.lr_scheduler.CosineScheduler(max_update=20, base_lr=0.5, final_lr=0.01, warmup_steps=warmup,
                                                warmup_begin_lr=0.05)
    for epoch in range(25):
        ours = cosine_lr(epoch, 0.5, max_epochs=20, final_lr=0.01, warmup_epochs=warmup, warmup_begin_lr=0.05)
        assert ours == pytest.approx(reference(epoch), rel=1e-12)
    assert cosine_lr(10, 1.0, 20) == pytest.approx(0.5)  # half way: half the rate
    with pytest.raises(ValueError):
        cosine_lr(0, 0.1, max_epochs=5, warmup_epochs=5)


def test_reduce_on_plateau_by_hand():
    sched = ReduceLROnPlateau(1.0, factor=0.5, patience=1)
    losses = [1.0, 0.9, 0.95, 0.97, 0.8, 0.85, 0.85, 0.85]
    lrs = [sched.step(v) for v in losses]
    # improvements at 1.0, 0.9, 0.8; the 2nd bad epoch in a row halves the rate and restarts the count
    assert lrs == pytest.approx([1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25])
    assert sched.best == 0.8
    with pytest.raises(ValueError):
        ReduceLROnPlateau(0.1, factor=1.5)


def test_cosine_scheduler_follows_cosine_lr_per_update_and_survives_short_runs():
    sched = cosine_scheduler(num_epochs=10, steps_per_epoch=50, base_lr=0.2)
    for epoch in range(1, 10):  # after the warm-up epoch the per-update curve passes through the per-epoch one
        assert sched(epoch * 50) == pytest.approx(cosine_lr(epoch, 0.2, 10, warmup_epochs=1), rel=1e-9)
    assert sched(25) == pytest.approx(0.1)  # half-way through the linear warm-up
    one = cosine_scheduler(num_epochs=1, steps_per_epoch=10, base_lr=0.1)  # warm-up capped at 2 updates
    assert one(2) == pytest.approx(0.1) and one(10) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError):
        cosine_scheduler(0, 10, 0.1)

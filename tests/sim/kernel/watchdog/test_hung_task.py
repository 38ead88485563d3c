"""kernel/hung_task.c model: khungtaskd's checks, the report's seconds and hung_task_warnings."""

from __future__ import annotations

from ktui.sim.kernel.watchdog.hung_task import check_interval_secs
from tests.sim.helpers import lines_of, make_sim

SEC = 1_000_000_000


def _blocked(seconds: int) -> dict[str, str]:
    """`h` holds A for `seconds` (sleeping, so the machine goes on); `w` blocks on A in D at once."""
    return {
        "h": f"--- mutex_lock A\nrepeat {seconds} {{\nmsleep 1000\n}}\nmutex_unlock A",
        "w": "--- mutex_lock A\nmutex_unlock A",
    }


def test_check_interval_zero_means_the_timeout() -> None:
    assert check_interval_secs(120, 0) == 120
    assert check_interval_secs(120, 30) == 30
    assert check_interval_secs(3, 10) == 3


def test_task_blocked_on_mutex_reported_at_second_check_with_default_timeout() -> None:
    """Checks every 120 s: the one at 120 s records nvcsw+nivcsw (1) and last_switch_time;
    the one at 240 s finds it unchanged and 120*HZ jiffies old: (240-120)*HZ/HZ = 120 seconds."""
    sim = make_sim(_blocked(250), extra="[sysctl]\nkernel.watchdog = 0")
    assert sim.run() == "finished"
    assert [(t, msg) for _e, t, _c, _p, msg in sim.machine.bugs] == [
        (240 * SEC, "INFO: task w:2 blocked for more than 120 seconds."),
    ]
    assert [ln for ln in lines_of(sim) if "hang" in ln] == [
        "swapper/0:sched_process_hang:pid=2 blocked=120s",
    ]


def test_check_interval_and_warnings_knobs() -> None:
    """timeout 3 s, checks every 1 s: recorded at 1 s, reported at 4 s (1 + 3) for 3 s, again
    at 5 s for 4 s; hung_task_warnings = 2 stops it there."""
    sim = make_sim(
        _blocked(10),
        extra=(
            "[sysctl]\nkernel.watchdog = 0\nkernel.hung_task_timeout_secs = 3\n"
            "kernel.hung_task_check_interval_secs = 1\nkernel.hung_task_warnings = 2"
        ),
    )
    assert sim.run() == "finished"
    assert [(t, msg) for _e, t, _c, _p, msg in sim.machine.bugs] == [
        (4 * SEC, "INFO: task w:2 blocked for more than 3 seconds."),
        (5 * SEC, "INFO: task w:2 blocked for more than 4 seconds."),
    ]
    # the tracepoint goes on at each check after the warnings are used up
    hangs = [ln for ln in lines_of(sim) if ":sched_process_hang:" in ln]
    assert len(hangs) > 2 and hangs[2].endswith("blocked=5s")


def test_sleeping_task_that_wakes_is_not_hung() -> None:
    """msleep is D too, but each sleep is a new switch: the count changes between checks."""
    sim = make_sim(
        {"s": "---\nrepeat 10 {\nmsleep 1000\n}"},
        extra="[sysctl]\nkernel.hung_task_timeout_secs = 2\nkernel.hung_task_check_interval_secs = 1",
    )
    assert sim.run() == "finished"
    assert sim.machine.bugs == []


def test_blocked_forever_is_reported_and_the_machine_still_finishes() -> None:
    """Nothing else pending: khungtaskd goes on until the D task is reported, then the run ends."""
    sim = make_sim(
        {"w": "--- mutex_lock A\nmutex_lock A"},
        extra="[sysctl]\nkernel.hung_task_timeout_secs = 2",
    )
    assert sim.run(stop_on_deadlock=False) == "finished"
    assert [(t, msg) for _e, t, _c, _p, msg in sim.machine.bugs if "INFO" in msg] == [
        (4 * SEC, "INFO: task w:1 blocked for more than 2 seconds."),
    ]


def test_reports_have_error_levels_for_the_exit_code() -> None:
    """Hard LOCKUP (pr_emerg) and hung task (pr_err) count as failures like BUG/WARNING."""
    from ktui.cli import exit_status
    from ktui.sim.kernel.printk import log_level

    assert log_level("CPU0: Watchdog detected hard LOCKUP on cpu 0") == "BUG"
    assert log_level("INFO: task w:2 blocked for more than 120 seconds.") == "WARNING"
    assert log_level("INFO: something else") == "INFO"
    assert exit_status("finished", [log_level("INFO: task w:2 blocked for more than 3 seconds.")]) == 1

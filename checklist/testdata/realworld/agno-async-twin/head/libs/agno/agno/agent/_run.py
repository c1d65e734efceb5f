"""Core run loop and execution helpers for Agent."""

from __future__ import annotations

def persist_run_in_session(
    agent: Agent,
    run_response: RunOutput,
    session: AgentSession,
    run_context: Optional[RunContext] = None,
    storage_copy: Optional[RunOutput] = None,
) -> None:
    """Persist the current run state into the session and save the session.

    Shared by terminal cleanup (cleanup_and_store) and mid-run checkpointing
    (checkpoint_run). Performs: scrub a shallow copy (unless one is supplied),
    upsert it into the session's runs list, refresh session metrics, sync
    session_state into session_data, and call save_session.

    Does NOT stop the run timer, write to file, or update approval status —
    those are terminal-only and live in cleanup_and_store.
    """
    from agno.agent import _session

    if storage_copy is None:
        storage_copy = _scrub_and_propagate_session_state(agent, run_response, run_context, isolate_inflight=True)

    # Add scrubbed RunOutput to Agent Session
    session.upsert_run(run=storage_copy)

    # Calculate session metrics
    update_session_metrics(agent, session=session, run_response=run_response)

    # Update session state before saving the session
    if run_context is not None and run_context.session_state is not None:
        if session.session_data is not None:
            session.session_data["session_state"] = run_context.session_state
        else:
            session.session_data = {"session_state": run_context.session_state}

    # Save session to memory
    _session.save_session(agent, session=session)


async def apersist_run_in_session(
    agent: Agent,
    run_response: RunOutput,
    session: AgentSession,
    run_context: Optional[RunContext] = None,
    storage_copy: Optional[RunOutput] = None,
) -> None:
    """Async variant of :func:`persist_run_in_session`."""
    from agno.agent import _session

    if storage_copy is None:
        storage_copy = _scrub_and_propagate_session_state(agent, run_response, run_context, isolate_inflight=True)

    session.upsert_run(run=storage_copy)
    update_session_metrics(agent, session=session, run_response=run_response)

    if run_context is not None and run_context.session_state is not None:
        if session.session_data is not None:
            session.session_data["session_state"] = run_context.session_state
        else:
            session.session_data = {"session_state": run_context.session_state}

    await _session.asave_session(agent, session=session)

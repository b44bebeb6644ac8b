"""llmock's fault list × the three wires, as scripts/reliability.py runs it for RELIABILITY.md: every
cell must get the verdict, the number of model calls and the exit it expects, with exactly one
answer on stdout (nothing, when the call cannot succeed)."""
import pytest
import reliability  # loaded by conftest.py from scripts/


@pytest.fixture(scope="module")
def mock():
    server = reliability.LLMock(chunk_delay_ms=reliability.CHUNK_DELAY_MS)
    yield server
    server.stop()


@pytest.mark.parametrize("wire", reliability.WIRES)
@pytest.mark.parametrize("cell", reliability.CELLS, ids=lambda cell: cell.name)
def test_fault(mock, cli_binary, cell, wire):
    outcome = reliability.run_cell(cli_binary, mock, wire, cell)
    assert outcome.verdict == cell.verdict
    assert outcome.calls == cell.calls
    assert (outcome.exit_code == 0) == cell.succeeds, outcome.stderr
    if cell.succeeds:
        assert outcome.stdout == reliability.ANSWER + "\n"
    else:
        assert outcome.stdout == "" and outcome.stderr.strip()

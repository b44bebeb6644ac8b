"""`copilot-swift run --json-schema` against llmock, which fills a JSON schema on each wire.

llmock reads the schema where each wire sends it (Chat Completions `response_format`, Responses
`text.format`, Anthropic `output_format`, Gemini `generationConfig.responseJsonSchema`) and answers with JSON made for it; the `jsonschema`
package, not our own check, is the judge that what we print matches the schema.
"""
import json
import subprocess
from pathlib import Path

import jsonschema
import pytest

from test_wires_llmock import PATHS, WIRES

REPO = Path(__file__).resolve().parents[2]

SCHEMA = {
    "type": "object", "additionalProperties": False, "required": ["city", "celsius", "sky"],
    "properties": {
        "city": {"type": "string"}, "celsius": {"type": "number"},
        "sky": {"type": "string", "enum": ["clear", "cloudy", "rain"]},
    },
}


@pytest.mark.parametrize("wire", sorted(WIRES))
def test_json_schema_answer_on_each_wire(fresh_llmock, cli, wire, tmp_path):
    schema_file = tmp_path / "forecast.schema.json"
    schema_file.write_text(json.dumps(SCHEMA))
    result = cli("run", *WIRES[wire](fresh_llmock.base), "--json-schema", str(schema_file), "The weather in Oslo?")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)  # the JSON alone, nothing around it
    jsonschema.validate(answer, SCHEMA)
    sent = [r["body"] for r in fresh_llmock.requests() if r["path"] == PATHS[wire]]
    assert len(sent) == 1, "llmock's answer matched the schema the first time"
    carried = {"completions": lambda b: b["response_format"]["json_schema"]["schema"],
               "responses": lambda b: b["text"]["format"]["schema"],
               "anthropic": lambda b: b["output_format"]["schema"],
               "gemini": lambda b: b["generationConfig"]["responseJsonSchema"]}[wire](sent[0])
    assert carried == SCHEMA


def test_a_file_that_is_not_a_schema_is_refused(llmock, cli, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    result = cli("run", *WIRES["completions"](llmock.base), "--json-schema", str(bad), "hi")
    assert result.returncode != 0 and "--json-schema" in result.stderr and "JSON Schema object" in result.stderr


def test_the_demo_model_answers_in_a_schema(tmp_path):
    """The README's demo model (SmolLM2-135M on llama-cpp-python, whose server constrains its output to
    a JSON schema with a grammar) answers a schema-constrained question through `scripts/demo.sh`.
    Skipped until the demo has installed the model (its first run compiles llama-cpp-python)."""
    from test_chat import DEMO_CACHE, DEMO_MODEL
    python = DEMO_CACHE / "venv" / "bin" / "python"
    if not DEMO_MODEL.exists() or subprocess.run([str(python), "-c", "import llama_cpp.server"], capture_output=True).returncode != 0:
        pytest.skip("run scripts/demo.sh once to install the local model")
    schema = {
        "type": "object", "additionalProperties": False, "required": ["country", "capital"],
        "properties": {"country": {"type": "string"}, "capital": {"type": "string"}},
    }
    schema_file = tmp_path / "capital.schema.json"
    schema_file.write_text(json.dumps(schema))
    result = subprocess.run(["bash", str(REPO / "scripts" / "demo.sh"), "--json-schema", str(schema_file), "What is the capital of France?"],
                            capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr[-2000:]
    jsonschema.validate(json.loads(result.stdout), schema)

"""`chalice package` + infra/resources.json, as `make package` builds it: the template an operator deploys.

Packaged once per stage (offline: chalice needs only a region), then read: routes, schedules, the merged
resources, least-privilege IAM, Lambda settings, cfn-lint, the zip's size.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any, Iterator

import pytest

PROJECT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
STAGES = ("dev", "prod")
FUNCTIONS = {"api_handler": "APIHandler", "escalate": "Escalate", "cleanup": "Cleanup"}
LAMBDA_ZIP_LIMIT = 50 * 1024 * 1024        # direct upload, zipped
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024  # function + layers, unzipped


class Packaged:
    def __init__(self, stage: str, directory: Path) -> None:
        self.stage = stage
        self.directory = directory
        self.template: dict[str, Any] = json.loads((directory / "sam.json").read_text())
        self.resources: dict[str, Any] = self.template["Resources"]

    def of_type(self, kind: str) -> dict[str, dict[str, Any]]:
        return {name: r for name, r in self.resources.items() if r["Type"] == kind}

    def properties(self, name: str) -> dict[str, Any]:
        return self.resources[name]["Properties"]


@pytest.fixture(scope="module", params=STAGES)
def packaged(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Packaged]:
    out = tmp_path_factory.mktemp(f"package-{request.param}") / "out"
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1"}
    done = subprocess.run([str(BIN / "chalice"), "package", "--stage", request.param, "--merge-template",
                           "infra/resources.json", str(out)], cwd=PROJECT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    yield Packaged(request.param, out)


def chalice_config() -> dict[str, Any]:
    return json.loads((PROJECT / ".chalice" / "config.json").read_text())


def test_cfn_lint_accepts_the_template(packaged: Packaged) -> None:
    done = subprocess.run([str(BIN / "cfn-lint"), str(packaged.directory / "sam.json")], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_route_of_the_app_is_in_the_api(packaged: Packaged) -> None:
    from app import app
    paths = packaged.properties("RestAPI")["DefinitionBody"]["paths"]
    in_api = {(path, method.upper()) for path, methods in paths.items() for method in methods if method != "parameters"}
    in_app = {(path, method) for path, methods in app.routes.items() for method in methods}
    assert in_app and in_api == in_app


def test_each_scheduled_function_runs_on_its_schedule(packaged: Packaged) -> None:
    from app import app
    functions = packaged.of_type("AWS::Serverless::Function")
    schedules = {(f["Properties"]["Handler"], event["Properties"]["Schedule"])
                 for f in functions.values() for event in f["Properties"].get("Events", {}).values()
                 if event["Type"] == "Schedule"}
    expected = {(source.handler_string, source.schedule_expression.to_string()) for source in app.event_sources}
    assert schedules == expected == {("chalicelib.jobs.scheduled.escalate", "rate(1 minute)"),
                                     ("chalicelib.jobs.scheduled.cleanup", "cron(30 3 * * ? *)")}


def test_the_table_matches_the_pynamodb_model(packaged: Packaged) -> None:
    from pynamodb.attributes import UnicodeAttribute
    from pynamodb.indexes import AllProjection

    from chalicelib.storage.table import Item
    table = packaged.properties("Table")
    types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}

    def key_schema(attributes: dict[str, Any]) -> list[dict[str, str]]:
        keys = [(a.attr_name, "HASH" if a.is_hash_key else "RANGE") for a in attributes.values()
                if a.is_hash_key or a.is_range_key]
        for name, _ in keys:
            assert isinstance(attributes[name], UnicodeAttribute) and types[name] == "S"
        return [{"AttributeName": name, "KeyType": kind} for name, kind in sorted(keys, key=lambda k: k[1])]

    assert table["KeySchema"] == key_schema(Item.get_attributes())
    expected_indexes = {index.Meta.index_name: (key_schema(index.Meta.attributes), "ALL")
                        for index in Item._indexes.values() if isinstance(index.Meta.projection, AllProjection)}
    assert len(expected_indexes) == len(Item._indexes) == 7
    assert {i["IndexName"]: (i["KeySchema"], i["Projection"]["ProjectionType"])
            for i in table["GlobalSecondaryIndexes"]} == expected_indexes
    assert set(types) == {a["AttributeName"] for i in table["GlobalSecondaryIndexes"] for a in i["KeySchema"]} | {
        "pk", "sk"}  # CloudFormation refuses attribute definitions no key uses
    assert table["TimeToLiveSpecification"] == {"AttributeName": Item.expires.attr_name, "Enabled": True}
    assert table["BillingMode"] == Item.Meta.billing_mode == "PAY_PER_REQUEST"
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["DeletionProtectionEnabled"] is True and table["SSESpecification"] == {"SSEEnabled": True}
    assert packaged.resources["Table"]["DeletionPolicy"] == "Retain"


def test_the_bucket_is_private_encrypted_versioned_and_expires_upload_caches(packaged: Packaged) -> None:
    from chalicelib.core import client_files, uploads
    bucket = packaged.properties("AttachmentsBucket")
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"][
        "SSEAlgorithm"] in ("AES256", "aws:kms")
    assert bucket["PublicAccessBlockConfiguration"] == {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                                       "IgnorePublicAcls": True, "RestrictPublicBuckets": True}
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    rules = {rule["Id"]: rule for rule in bucket["LifecycleConfiguration"]["Rules"]}
    cache = rules["upload-caches"]
    # the key shapes of both upload caches (OTRS FormID, the Tickets API's files) fall under the rule
    for key in (uploads.blob_key("form-1", 1), client_files.blob_key(7, "file-1")):
        assert key.startswith(cache["Prefix"])
    assert cache["Status"] == "Enabled" and cache["ExpirationInDays"] * 24 > packaged.template["Parameters"][
        "UploadCacheHours"]["MaxValue"]  # never before the cache's own expiry
    assert all(rule["NoncurrentVersionExpiration"]["NoncurrentDays"] >= 1 for rule in rules.values())
    [statement] = packaged.properties("AttachmentsBucketPolicy")["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny" and statement["Principal"] == "*" and statement["Action"] == "s3:*"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert {json.dumps(r, sort_keys=True) for r in statement["Resource"]} == {
        json.dumps({"Fn::GetAtt": ["AttachmentsBucket", "Arn"]}, sort_keys=True),
        json.dumps({"Fn::Sub": "${AttachmentsBucket.Arn}/*"}, sort_keys=True)}


def test_every_function_gets_the_stack_resources_and_the_stage_settings(packaged: Packaged) -> None:
    secret = packaged.properties("SigningKeySecret")
    assert secret["GenerateSecretString"]["PasswordLength"] >= 32
    stage = chalice_config()["stages"][packaged.stage]
    for function in FUNCTIONS.values():
        variables = packaged.properties(function)["Environment"]["Variables"]
        assert variables["HELPDESK_TABLE"] == {"Ref": "Table"}
        assert variables["HELPDESK_BUCKET"] == {"Ref": "AttachmentsBucket"}
        assert variables["HELPDESK_JWT_SECRET_ARN"] == {"Ref": "SigningKeySecret"}
        assert variables["HELPDESK_MAIL_FROM"] == {"Ref": "MailFrom"}
        assert "HELPDESK_JWT_SECRET" not in variables  # the key itself never sits in the environment
        assert variables["HELPDESK_STAGE"] == packaged.stage
        assert {k: v for k, v in variables.items() if k in stage["environment_variables"]} == stage[
            "environment_variables"]
        assert variables["HELPDESK_MAILER"] == "ses" and variables["HELPDESK_OTRS_CUSTOM_ERROR_STATUS"] == "422"


def test_memory_timeout_and_reserved_concurrency_per_function(packaged: Packaged) -> None:
    configured = chalice_config()["stages"][packaged.stage]["lambda_functions"]
    for name, logical in FUNCTIONS.items():
        properties = packaged.properties(logical)
        assert properties["MemorySize"] == configured[name]["lambda_memory_size"]
        assert properties["Timeout"] == configured[name]["lambda_timeout"]
        assert properties["ReservedConcurrentExecutions"] == configured[name]["reserved_concurrency"]
    assert packaged.properties("Escalate")["ReservedConcurrentExecutions"] == 1
    assert packaged.properties("Cleanup")["ReservedConcurrentExecutions"] == 1
    assert packaged.properties("Escalate")["Timeout"] < 60  # a run ends before the next minute's starts
    assert packaged.properties("APIHandler")["Timeout"] <= 29  # API Gateway's integration timeout


def test_alarms_watch_5xx_throttles_and_each_scheduled_function(packaged: Packaged) -> None:
    alarms = packaged.of_type("AWS::CloudWatch::Alarm")
    topic = {"Ref": "AlarmTopic"}
    assert packaged.resources["AlarmTopic"]["Type"] == "AWS::SNS::Topic"
    assert packaged.resources["AlarmSubscription"]["Condition"] == "HasAlarmEmail"
    for alarm in alarms.values():
        assert alarm["Properties"]["AlarmActions"] == [topic]

    def watching(namespace: str, metric: str) -> list[dict[str, Any]]:
        found = []
        for alarm in alarms.values():
            properties = alarm["Properties"]
            stats = [m["MetricStat"]["Metric"] for m in properties.get("Metrics", []) if "MetricStat" in m]
            for watched in stats + [properties]:
                if (watched.get("Namespace"), watched.get("MetricName")) == (namespace, metric):
                    found.append({d["Name"]: d["Value"] for d in watched["Dimensions"]})
        return found

    api_name = packaged.properties("RestAPI")["Name"]
    assert {"ApiName": api_name, "Stage": packaged.properties("RestAPI")["StageName"]} in watching(
        "AWS/ApiGateway", "5XXError")
    for metric in ("ReadThrottleEvents", "WriteThrottleEvents"):
        assert {"TableName": {"Ref": "Table"}} in watching("AWS/DynamoDB", metric)
    scheduled = {name for name, f in packaged.of_type("AWS::Serverless::Function").items()
                 if any(e["Type"] == "Schedule" for e in f["Properties"].get("Events", {}).values())}
    assert scheduled == {"Escalate", "Cleanup"}
    assert {dims["FunctionName"]["Ref"] for dims in watching("AWS/Lambda", "Errors")} == scheduled


# The only resources a role may name; `identity/*` for SES because SendEmail authorizes against the
# sending identity *and*, in the SES sandbox, every recipient's: the From condition narrows it instead.
TABLE = [{"Fn::GetAtt": ["Table", "Arn"]}, {"Fn::Sub": "${Table.Arn}/index/*"}]
BYTES = {"Fn::Sub": "${AttachmentsBucket.Arn}/*"}
SECRET = {"Ref": "SigningKeySecret"}
SES_IDENTITIES = {"Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/*"}
READ_WRITE = {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:PutItem",
              "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem"}


def statements(packaged: Packaged, role: str) -> list[dict[str, Any]]:
    return [s for policy in packaged.properties(role)["Policies"] for s in policy["PolicyDocument"]["Statement"]]


def grants(packaged: Packaged, role: str) -> dict[str, tuple[set[str], Any]]:
    """Sid -> (actions, resource) of a role, after checking every statement's shape."""
    found = {}
    for statement in statements(packaged, role):
        assert statement["Effect"] == "Allow" and "NotAction" not in statement and "NotResource" not in statement
        actions = statement["Action"]
        assert all("*" not in action for action in actions)
        found[statement["Sid"]] = (set(actions), statement["Resource"])
    return found


@pytest.mark.parametrize("role,log_group", [("ApiHandlerRole", "ApiHandlerLogGroup"),
                                            ("EscalateRole", "EscalateLogGroup"),
                                            ("CleanupRole", "CleanupLogGroup")])
def test_iam_names_only_the_projects_resources(packaged: Packaged, role: str, log_group: str) -> None:
    assert set(packaged.of_type("AWS::IAM::Role")) == {"ApiHandlerRole", "EscalateRole", "CleanupRole"}
    allowed = [*TABLE, TABLE, BYTES, SECRET, SES_IDENTITIES, {"Fn::GetAtt": [log_group, "Arn"]}]
    for statement in statements(packaged, role):
        assert statement["Resource"] in allowed, statement
        assert "dynamodb:Scan" not in statement["Action"]
        if statement["Resource"] == SES_IDENTITIES:
            assert statement["Action"] == ["ses:SendEmail"]
            assert statement["Condition"] == {"StringEquals": {"ses:FromAddress": {"Ref": "MailFrom"}}}
    assert grants(packaged, role)["Logs"] == ({"logs:CreateLogStream", "logs:PutLogEvents"},
                                              {"Fn::GetAtt": [log_group, "Arn"]})
    # the log group the role may write is the one its function logs to
    function = {"ApiHandlerRole": "APIHandler", "EscalateRole": "Escalate", "CleanupRole": "Cleanup"}[role]
    assert packaged.properties(log_group)["LogGroupName"] == {
        "Fn::Sub": "/aws/lambda/" + packaged.properties(function)["FunctionName"]["Fn::Sub"]}


def test_each_role_gets_only_what_its_code_calls(packaged: Packaged) -> None:
    api = grants(packaged, "ApiHandlerRole")
    assert api["Table"] == (READ_WRITE, TABLE)
    assert api["AttachmentBytes"] == ({"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}, BYTES)
    assert api["SigningKey"] == ({"secretsmanager:GetSecretValue"}, SECRET)
    assert api["Mail"][0] == {"ses:SendEmail"}
    escalate = grants(packaged, "EscalateRole")  # ticket writes and mails; no bytes, no tokens
    assert set(escalate) == {"Table", "Mail", "Logs"} and escalate["Table"] == (READ_WRITE, TABLE)
    cleanup = grants(packaged, "CleanupRole")  # the expiry index, batched deletes, its cursor item
    assert set(cleanup) == {"ExpiredItems", "Logs"}
    assert cleanup["ExpiredItems"] == ({"dynamodb:Query", "dynamodb:BatchWriteItem", "dynamodb:GetItem",
                                        "dynamodb:PutItem"}, TABLE)


def test_the_deployment_package_stays_well_under_lambdas_limits(packaged: Packaged) -> None:
    archive = packaged.directory / "deployment.zip"
    with zipfile.ZipFile(archive) as zipped:
        names = zipped.namelist()
        unzipped = sum(info.file_size for info in zipped.infolist())
    assert "app.py" in names and "chalicelib/storage/signing_keys.py" in names
    assert not any(name.startswith(("tests/", "bench/", "moto/", ".local/")) for name in names)
    assert archive.stat().st_size < LAMBDA_ZIP_LIMIT / 2 and unzipped < LAMBDA_UNZIPPED_LIMIT / 4


def test_make_deploy_refuses_before_touching_anything_without_its_settings() -> None:
    """The real deploy is never run here: without a bucket, sender and host it stops before packaging."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DEPLOY_BUCKET", "MAIL_FROM", "FQDN", "HELPDESK_ADMIN_EMAIL", "HELPDESK_ADMIN_PASSWORD")}
    done = subprocess.run(["make", "--no-print-directory", "deploy", "STAGE=refused-deploy"], cwd=PROJECT, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 2 and "DEPLOY_BUCKET (an S3 bucket for the Lambda zip) is required" in done.stdout
    assert "aws cloudformation" not in done.stdout and not (PROJECT / "build" / "refused-deploy").exists()


# Which IAM prefix each AWS client of the code needs; devserver.py runs only on a laptop.
CLIENT_ACTIONS = {"s3": "s3:", "ses": "ses:", "secretsmanager": "secretsmanager:"}


def test_every_aws_client_the_code_creates_has_a_grant_in_the_api_role(packaged: Packaged) -> None:
    """A new boto3 client (say SNS) or low-level DynamoDB call without a policy statement fails here,
    before it fails in AWS with AccessDenied."""
    import re
    sources = [path for path in (PROJECT / "chalicelib").rglob("*.py") if path.name != "devserver.py"]
    text = "\n".join(path.read_text() for path in sources)
    clients = set(re.findall(r"boto3\.client\(\s*[\"'](\w+)[\"']", text))
    assert clients == set(CLIENT_ACTIONS)
    actions = {action for statement in statements(packaged, "ApiHandlerRole") for action in statement["Action"]}
    for client in clients:
        assert any(action.startswith(CLIENT_ACTIONS[client]) for action in actions), client
    low_level = set(re.findall(r"dispatch\(\s*[\"'](\w+)[\"']", text))
    assert low_level and {f"dynamodb:{operation}" for operation in low_level} <= actions

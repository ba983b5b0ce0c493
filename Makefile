PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Written after a successful install; newer requirements files make it stale.
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: venv run test check bench clean package lint-template deploy

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade 'pip<26.3'
	$(BIN)/python -m pip install --disable-pip-version-check -r requirements-dev.txt
	touch $@

run: venv
	$(BIN)/python -m chalicelib.devserver

test: venv
	$(BIN)/python -m pytest -q -m "not fuzz" $(PYTEST_ARGS) tests/

# The longer property-based fuzz run of every documented dialect against the real server.
check: venv
	$(BIN)/python -m pytest -q -m fuzz $(PYTEST_ARGS) tests/

# Seeds 1,000 and 20,000 tickets into moto, measures, prints markdown and writes docs/benchmarks.md.
bench: venv
	$(BIN)/python -m bench.run

# Build artefacts only: the dev server's data in .local/ (HELPDESK_DATA_DIR) is kept.
clean:
	rm -rf $(VENV) .pytest_cache build dist .chalice/deployments
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# >>> infra: packaging and deployment (docs/deploy.md)
STAGE ?= dev
# `chalice package` needs a region even offline; the deploy goes to the operator's configured one.
REGION ?= $(or $(AWS_DEFAULT_REGION),$(AWS_REGION),us-east-1)
BUILD := build/$(STAGE)
STACK ?= helpdesk-$(STAGE)
stack_output = $$(aws cloudformation describe-stacks --region $(REGION) --stack-name $(STACK) \
	--query "Stacks[0].Outputs[?OutputKey=='$(1)'].OutputValue" --output text)

# Lambda zip + SAM template with infra/resources.json merged in, checked by cfn-lint. Offline.
package: venv
	rm -rf $(BUILD)
	AWS_DEFAULT_REGION=$(REGION) $(BIN)/chalice package --stage $(STAGE) --merge-template infra/resources.json $(BUILD)
	$(BIN)/cfn-lint $(BUILD)/sam.json
	@echo "$(BUILD)/deployment.zip: $$(wc -c < $(BUILD)/deployment.zip) bytes"

lint-template: venv
	$(BIN)/cfn-lint $(BUILD)/sam.json

# The real deploy (needs AWS credentials and the aws CLI; never run by the tests):
#   make deploy STAGE=dev DEPLOY_BUCKET=<artifact bucket> MAIL_FROM=helpdesk@example.com FQDN=helpdesk.example.com \
#        [ALARM_EMAIL=ops@example.com] [TABLE_NAME=<restored table>] HELPDESK_ADMIN_EMAIL=... HELPDESK_ADMIN_PASSWORD=...
# Parameters left out keep the stack's current values.
deploy: venv
	@test -n "$(DEPLOY_BUCKET)" || { echo "DEPLOY_BUCKET (an S3 bucket for the Lambda zip) is required"; exit 2; }
	@test -n "$(MAIL_FROM)" -a -n "$(FQDN)" || { echo "MAIL_FROM and FQDN are required"; exit 2; }
	@test -n "$$HELPDESK_ADMIN_EMAIL" -a -n "$$HELPDESK_ADMIN_PASSWORD" || \
		{ echo "HELPDESK_ADMIN_EMAIL and HELPDESK_ADMIN_PASSWORD (the first admin) are required"; exit 2; }
	$(MAKE) package STAGE=$(STAGE) REGION=$(REGION)
	aws cloudformation package --region $(REGION) --template-file $(BUILD)/sam.json --s3-bucket $(DEPLOY_BUCKET) \
		--s3-prefix $(STACK) --use-json --output-template-file $(BUILD)/packaged.json
	aws cloudformation deploy --region $(REGION) --template-file $(BUILD)/packaged.json --stack-name $(STACK) \
		--capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND --no-fail-on-empty-changeset \
		--parameter-overrides MailFrom=$(MAIL_FROM) Fqdn=$(FQDN) $(if $(ALARM_EMAIL),AlarmEmail=$(ALARM_EMAIL)) \
		$(if $(TABLE_NAME),TableName=$(TABLE_NAME))
	# Defaults and the first admin (idempotent: existing data is left as it is); the operator's credentials.
	HELPDESK_STAGE=$(STAGE) AWS_DEFAULT_REGION=$(REGION) HELPDESK_MAILER=ses HELPDESK_MAIL_FROM=$(MAIL_FROM) HELPDESK_FQDN=$(FQDN) \
		HELPDESK_TABLE=$(call stack_output,TableName) HELPDESK_BUCKET=$(call stack_output,BucketName) \
		HELPDESK_JWT_SECRET_ARN=$(call stack_output,SigningKeySecretArn) \
		$(BIN)/python -c "from chalicelib import bootstrap; bootstrap.provision(demo=False); print('provisioned')"
	@echo "API: $(call stack_output,EndpointURL)"
# <<< infra

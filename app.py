"""The Chalice app: registers each dialect's blueprint, nothing else."""
from chalicelib.api.application import create_app
from chalicelib.api.oauth import blueprint as oauth
from chalicelib.api.otrs.dialect import blueprint as otrs_customer
from chalicelib.api.otrs.dialect import frontend_blueprint as otrs_frontend
from chalicelib.api.otrs.dialect import public_blueprint as otrs_public
from chalicelib.api.rs4otrs.dialect import blueprint as rs4otrs
from chalicelib.api.service import blueprint as service
from chalicelib.api.tickets.routes import blueprint as tickets_api
from chalicelib.api.zammad.dialect import blueprint as zammad
from chalicelib.jobs.scheduled import blueprint as jobs

app = create_app("helpdesk")
app.register_blueprint(service)
app.register_blueprint(zammad, url_prefix="/api/v1")
app.register_blueprint(oauth, url_prefix="/oauth")
app.register_blueprint(otrs_customer, url_prefix="/api/customer")
app.register_blueprint(otrs_frontend, url_prefix="/api/frontend/external")
app.register_blueprint(otrs_public, url_prefix="/api/public")
app.register_blueprint(rs4otrs, url_prefix="/otrs/api")
app.register_blueprint(tickets_api, url_prefix="/api/tickets/v1")
app.register_blueprint(jobs)

"""Notifications that carry no data: an e-mail digest for coordinators, webhooks for agencies.

Each notification names an alert by its id, strength and a link to the dashboard, nothing
else: whoever follows the link signs in and is checked like any other visitor. Both are sent by
commands run from cron (`notify digest`, `webhook deliver`), from state kept in the database, so
any host may run them and a failed send is retried by the next run.
"""

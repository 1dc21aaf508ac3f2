"""OS-OAUTH1 end to end with python-keystoneclient and keystoneauth1 (oauthlib signing).

Usage: /usr/bin/python3 test/cli/oauth1_keystoneclient.py AUTH_URL ADMIN_PASSWORD
(needs the distribution packages python3-keystoneclient, python3-keystoneauth1, python3-oauthlib)
Creates a consumer, gets a request token for the admin project, authorizes it for
the 'member' role, exchanges it for an access token, authenticates with the oauth1
method and checks the token; then deletes the access token and checks the token dies.
"""
import sys

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import session
from keystoneauth1.extras import oauth1 as ka_oauth1
from keystoneauth1.identity import v3
from keystoneclient.v3 import client

auth_url, password = sys.argv[1], sys.argv[2]
admin_sess = session.Session(auth=v3.Password(
    auth_url=auth_url, username='admin', password=password, project_name='admin',
    user_domain_id='default', project_domain_id='default'))
ks = client.Client(session=admin_sess)
project = ks.projects.list(name='admin')[0]
member = ks.roles.list(name='member')[0]

consumer = ks.oauth1.consumers.create(description='e2e')
rt = ks.oauth1.request_tokens.create(consumer.id, consumer.secret, project.id)
print('request token', rt.key, rt.expires)
verifier = ks.oauth1.request_tokens.authorize(rt.key, [member.id]).oauth_verifier
print('verifier', verifier)
at = ks.oauth1.access_tokens.create(consumer.id, consumer.secret, rt.key, rt.secret, verifier)
print('access token', at.key, at.expires)

oauth_sess = session.Session(auth=ka_oauth1.V3OAuth1(
    auth_url=auth_url, consumer_key=consumer.id, consumer_secret=consumer.secret,
    access_key=at.key, access_secret=at.secret))
access = oauth_sess.auth.get_access(oauth_sess)
body = access._data['token']
assert body['methods'] == ['oauth1'], body['methods']
assert body['OS-OAUTH1'] == {'access_token_id': at.key, 'consumer_id': consumer.id}, body['OS-OAUTH1']
assert body['project']['id'] == project.id
names = sorted(r['name'] for r in body['roles'])
assert names == ['member', 'reader'], names
print('oauth1 token ok: roles', names)

user_id = access.user_id
tokens = ks.users.client.get('/users/%s/OS-OAUTH1/access_tokens' % user_id)[1]['access_tokens']
assert at.key in [t['id'] for t in tokens], tokens
assert ks.tokens.validate(access.auth_token).user_id == user_id
ks.users.client.delete('/users/%s/OS-OAUTH1/access_tokens/%s' % (user_id, at.key))
try:
    ks.tokens.validate(access.auth_token)
    raise SystemExit('token still valid after its access token was deleted')
except ks_exc.NotFound:
    print('token invalid after access token deletion: ok')
ks.oauth1.consumers.delete(consumer.id)
print('OK')

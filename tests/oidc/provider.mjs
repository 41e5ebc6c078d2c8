// A real OpenID Connect provider (npm `oidc-provider`) on loopback, for the staff sign-in tests.
// Usage: node provider.mjs <port> <app base url>
// Any user name typed on its development login page becomes the account; the e-mail claim is that
// name, verified. Started and stopped by tests/oidc_server.py; never for production.
import Provider from 'oidc-provider';

const [port, appBase] = [Number(process.argv[2]), process.argv[3]];
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'jichitai-test',
    client_secret: 'jichitai-test-secret',
    redirect_uris: [`${appBase}/oauth2callback`],
    // Streamlit sends the callback URL as post_logout_redirect_uri too.
    post_logout_redirect_uris: [`${appBase}/oauth2callback`, appBase],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  conformIdTokenClaims: false, // put the e-mail in the ID token, which st.user reads
  findAccount: async (_ctx, id) => ({
    accountId: id,
    claims: async () => ({ sub: id, email: id, email_verified: true, name: id }),
  }),
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  cookies: { keys: ['jichitai-test-cookie-key'] },
  pkce: { required: () => false },
  ttl: { Session: 600, Interaction: 600, Grant: 600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
});
provider.on('server_error', (_ctx, err) => console.error('server_error', err));
provider.listen(port, '127.0.0.1', () => console.log(`oidc-provider listening on ${issuer}`));

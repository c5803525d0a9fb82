// A local OpenID Connect provider for the tests, standing in for NHS login (issue 20, item 7):
// panva's oidc-provider, an OpenID Certified implementation, configured as NHS login is described
// in its public documentation: the authorisation code flow with PKCE, the client authenticating
// at the token endpoint with private_key_jwt signed RS512, and the `profile` scope giving the
// nhs_number, family_name, birthdate and identity_proofing_level claims from the userinfo
// endpoint. Its development sign-in pages take any username (the account) and password.
//
// Started by tests/accounts/test_nhs_login.py with OIDC_PORT and OIDC_CONFIG (JSON: client_id,
// redirect_uris, jwks: the client's public keys, accounts: {username: claims}); prints "ready".
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
const config = JSON.parse(process.env.OIDC_CONFIG);

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [
    {
      client_id: config.client_id,
      redirect_uris: config.redirect_uris,
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'RS512',
      jwks: config.jwks,
    },
  ],
  claims: {
    openid: ['sub'],
    profile: ['nhs_number', 'family_name', 'birthdate', 'identity_proofing_level'],
  },
  enabledJWA: { clientAuthSigningAlgValues: ['RS512'] },
  pkce: { required: () => true },
  cookies: { keys: ['dualcare-tests-only'] },
  async findAccount(ctx, sub) {
    const claims = config.accounts[sub];
    if (!claims) return undefined;
    return { accountId: sub, async claims() { return { sub, ...claims }; } };
  },
  features: { devInteractions: { enabled: true } },
});
provider.proxy = false;
provider.listen(port, '127.0.0.1', () => { console.log('ready'); });

import { strict as assert } from "assert";
import { balancesPerConnection, loadStackConfig } from "./stackFile";


describe("lab: how the probe connects", () => {
    it("opens a new connection per request where kube-proxy balances connections (native kind), not behind a proxy", () => {
        assert.equal(balancesPerConnection(loadStackConfig("kind-canary")), true);
        assert.equal(balancesPerConnection(loadStackConfig("kind-rolling")), true);
        assert.equal(balancesPerConnection(loadStackConfig("kind-canary-nginx")), false);
        assert.equal(balancesPerConnection(loadStackConfig("kind-canary-istio")), false);
        assert.equal(balancesPerConnection(loadStackConfig("swarm-canary")), false);
    });
});

import { RouterDeclaration } from "../declaration";

/** HAProxy at the Swarm edge: routes by weight, colour, header or cookie; values change through its runtime API. */
export const haproxyDeclaration: RouterDeclaration = {
    name: "haproxy",
    engine: "swarm",
    reads: [],
    balancesPerConnection: false,
    splitsBy: "weight",
    supports: ["single", "switch", "split", "match"],
    limits: { noHeaderRegex: "HAProxy matches header values from a map" },
    defaultFor: ["single", "switch", "split", "match"],
};

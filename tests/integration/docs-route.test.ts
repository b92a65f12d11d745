import { describe, expect, it } from "vitest";
import { GET as docsGET } from "~/app/docs/route";
import { GET as scalarGET } from "~/app/docs/scalar.js/route";

/** /docs in the browser is e2e/docs.spec.ts; here, what the page is made of. */
describe("/docs", () => {
  it("loads Scalar from this deployment, with the proxy's nonce, and nothing from Scalar's services", async () => {
    const response = await docsGET(new Request("http://localhost:3000/docs", { headers: { "x-nonce": "n0nce" } }));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toMatch(/<html lang="en"/);
    expect(html).toContain('<script src="/docs/scalar.js" nonce="n0nce"></script>');
    expect(html).toMatch(/<script type="text\/javascript" nonce="n0nce">\s*Scalar\.createApiReference\('#app'/);
    expect(html).not.toMatch(/cdn\.jsdelivr|unpkg|fonts\.scalar/);
    const config = html.slice(html.indexOf("createApiReference('#app', ") + "createApiReference('#app', ".length, html.lastIndexOf(")"));
    expect(JSON.parse(config)).toMatchObject({
      url: "/api/openapi.json",
      withDefaultFonts: false,
      telemetry: false,
      showDeveloperTools: "never",
      agent: { disabled: true },
      mcp: { disabled: true },
      authentication: { preferredSecurityScheme: "DeviceToken" },
    });
  });

  it("serves the Scalar bundle itself", async () => {
    const response = await scalarGET(new Request("http://localhost:3000/docs/scalar.js"));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    const script = await response.text();
    expect(script.length).toBeGreaterThan(1_000_000);
    expect(script).toContain("createApiReference");
  });
});

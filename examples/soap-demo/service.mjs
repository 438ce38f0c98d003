// The stock service the SoapDemo project calls (README, "SQL and SOAP"): SOAP 1.1, document/literal,
// from the project's own WSDL (examples/workspace/SoapDemo/wsdl/stock.wsdl). GetPrices answers a
// price per code (a list, even of one), CheckStock the stock of one code, or a fault for a code it
// does not know.
// Usage: node examples/soap-demo/service.mjs   (PORT=8091 by default, loopback only)
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import soap from "soap";

const here = path.dirname(fileURLToPath(import.meta.url));
const WSDL = readFileSync(path.join(here, "../workspace/SoapDemo/wsdl/stock.wsdl"), "utf8");

const PRODUCTS = new Map([
  ["PEN", { amount: 1.5, currency: "EUR", quantity: 120 }],
  ["NOTEBOOK", { amount: 4.25, currency: "EUR", quantity: 0 }],
  ["STAPLER", { amount: 12, currency: "EUR", quantity: 7 }],
]);

const unknown = (code) => ({
  Fault: { faultcode: "soap:Client", faultstring: `Unknown product code: ${code}`, statusCode: 500 },
});

const StockPort = {
  GetPrices(args) {
    const codes = [args.code ?? []].flat().map(String);
    return {
      price: codes.map((code) => {
        const p = PRODUCTS.get(code);
        if (!p) throw unknown(code);
        return { code, amount: p.amount, currency: p.currency };
      }),
    };
  },
  CheckStock(args) {
    const code = String(args.code ?? "");
    const p = PRODUCTS.get(code);
    if (!p) throw unknown(code);
    return { code, inStock: p.quantity > 0, quantity: p.quantity };
  },
};

/** Starts the service on 127.0.0.1 (port 0: any free one); answers its endpoint URL and a close. */
export async function startStockService(port = 0) {
  const server = createServer((req, res) => {
    res.writeHead(404);
    res.end();
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  soap.listen(server, { path: "/stock", services: { StockService: { StockPort } }, xml: WSDL, suppressStack: true });
  return {
    url: `http://127.0.0.1:${server.address().port}/stock`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { url } = await startStockService(Number(process.env.PORT ?? 8091));
  console.log(`stock service: ${url} (WSDL at ${url}?wsdl)`);
}

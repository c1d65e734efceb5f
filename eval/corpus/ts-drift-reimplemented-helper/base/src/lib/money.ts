// Money helpers: every page that shows an amount formats it here.

/** Formats an amount in cents as a currency string: 123456 and "USD" give "$1,234.56". */
export const formatMoney = (amountCents: number, currency: string): string => {
  const sign = amountCents < 0 ? "-" : "";
  const abs = Math.abs(Math.round(amountCents));
  const whole = Math.floor(abs / 100);
  const cents = abs % 100;
  const grouped = whole.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const symbol = currency === "EUR" ? "€" : currency === "GBP" ? "£" : "$";
  return sign + symbol + grouped + "." + cents.toString().padStart(2, "0");
};

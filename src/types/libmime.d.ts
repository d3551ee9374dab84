// libmime ships no type declarations; these cover the two functions used here.
declare module 'libmime' {
  interface ParsedHeaderValue {
    value: string;
    params: Record<string, string>;
  }
  const libmime: {
    decodeWords(value: string): string;
    parseHeaderValue(value: string): ParsedHeaderValue;
  };
  export default libmime;
}

export function useSponsor() {}

/** A wallet file that is not what the wallet wrote: what is wrong with it, and how to get the wallet back. */
export class WalletFileError extends Error {
  constructor(
    readonly file: string,
    why: string,
  ) {
    super(`wallet file ${file} is corrupted: ${why}; restore it from a backup or re-import the recovery phrase into a new wallet`);
    this.name = "WalletFileError";
  }
}

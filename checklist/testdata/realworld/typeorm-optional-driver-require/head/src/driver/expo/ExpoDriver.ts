import type { DataSource } from "../../data-source/DataSource"
import { DriverPackageNotInstalledError, TypeORMError } from "../../error"
import { AbstractSqliteDriver } from "../sqlite-abstract/AbstractSqliteDriver"
import type { ExpoDataSourceOptions } from "./ExpoDataSourceOptions"

const isExpoSqliteNotFoundError = (err: unknown): boolean => {
    if (typeof err !== "object" || err === null) return false
    const e = err as { code?: string; message?: string }
    if (e.code !== "MODULE_NOT_FOUND") return false
    if (typeof e.message !== "string") return false
    const firstLine = e.message.split("\n", 1)[0]
    return /^Cannot find module '(?:expo-sqlite)'/.test(firstLine)
}

export class ExpoDriver extends AbstractSqliteDriver {
    declare options: ExpoDataSourceOptions

    constructor(dataSource: DataSource) {
        super(dataSource)
        this.loadDependencies()
    }

    /**
     * A literal `require("expo-sqlite")` is used so Metro's static bundler picks
     * the dependency up at build time.
     */
    protected requireExpoSqlite(): unknown {
        return require("expo-sqlite")
    }

    protected loadDependencies(): void {
        if (this.options.driver) {
            this.sqlite = this.options.driver
        } else {
            try {
                this.sqlite = this.requireExpoSqlite()
            } catch (err) {
                if (isExpoSqliteNotFoundError(err)) {
                    throw new DriverPackageNotInstalledError(
                        "Expo SQLite",
                        "expo-sqlite",
                    )
                }
                throw err
            }
        }
    }
}

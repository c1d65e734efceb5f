import type { DataSource } from "../../data-source/DataSource"
import { TypeORMError } from "../../error"
import { AbstractSqliteDriver } from "../sqlite-abstract/AbstractSqliteDriver"
import type { ExpoDataSourceOptions } from "./ExpoDataSourceOptions"

export class ExpoDriver extends AbstractSqliteDriver {
    declare options: ExpoDataSourceOptions

    constructor(dataSource: DataSource) {
        super(dataSource)

        if (this.isLegacyDriver) {
            throw new TypeORMError("Legacy Expo driver is not supported.")
        }

        this.sqlite = this.options.driver
    }
}

//! A [`TraceSink`] that buffers rows as columns and writes each table as one Parquet file,
//! one row group per `ROW_GROUP` rows, with the run manifest in the file metadata.

use crate::ReportError;
use polars::io::parquet::write::BatchedWriter;
use polars::prelude::*;
use sim_core::ledger::RecycleReason;
use sim_core::trace::{
    ActionRow, NetworkRow, NeuronRow, PositionRow, RegistrationRow, SubnetRow, TraceSink,
};
use std::fs::File;
use std::mem::take;
use std::path::{Path, PathBuf};

/// Rows per Parquet row group: bounded memory for long runs at fine cadence.
const ROW_GROUP: usize = 65_536;

/// Column buffers of one table.
trait Columns: Default {
    type Row;
    fn push(&mut self, row: &Self::Row);
    fn len(&self) -> usize;
    /// Drains the buffers into a DataFrame.
    fn take_frame(&mut self) -> PolarsResult<DataFrame>;
}

fn datetime_ms(name: &str, values: Vec<i64>) -> PolarsResult<Column> {
    Column::new(name.into(), values).cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
}

#[derive(Default)]
struct NetworkColumns {
    block: Vec<u64>,
    time_ms: Vec<i64>,
    total_issuance: Vec<u64>,
    block_emission: Vec<u64>,
    halvings: Vec<u32>,
    minted: Vec<u64>,
    recycled_total: Vec<u64>,
    recycled: [Vec<u64>; RecycleReason::COUNT],
    free_balances: Vec<u64>,
    unmodelled: Vec<u64>,
    pools_and_locks: Vec<u64>,
    root_stake: Vec<u64>,
    subnet_tao: Vec<u64>,
    tao_injected: Vec<u64>,
    tao_chain_bought: Vec<u64>,
    epochs: Vec<u64>,
    alpha_paid: Vec<u64>,
    tao_usd: Vec<Option<f64>>,
}

impl Columns for NetworkColumns {
    type Row = NetworkRow;

    fn push(&mut self, r: &NetworkRow) {
        self.block.push(r.block);
        self.time_ms.push(r.time_ms);
        self.total_issuance.push(r.total_issuance);
        self.block_emission.push(r.block_emission);
        self.halvings.push(r.halvings);
        self.minted.push(r.minted);
        self.recycled_total.push(r.recycled_total);
        for (col, v) in self.recycled.iter_mut().zip(r.recycled) {
            col.push(v);
        }
        self.free_balances.push(r.free_balances);
        self.unmodelled.push(r.unmodelled);
        self.pools_and_locks.push(r.pools_and_locks);
        self.root_stake.push(r.root_stake);
        self.subnet_tao.push(r.subnet_tao);
        self.tao_injected.push(r.tao_injected);
        self.tao_chain_bought.push(r.tao_chain_bought);
        self.epochs.push(r.epochs);
        self.alpha_paid.push(r.alpha_paid);
        self.tao_usd.push(r.tao_usd);
    }

    fn len(&self) -> usize {
        self.block.len()
    }

    fn take_frame(&mut self) -> PolarsResult<DataFrame> {
        let n = self.len();

        let mut cols: Vec<Column> = vec![
            Column::new("block".into(), take(&mut self.block)),
            datetime_ms("date", take(&mut self.time_ms))?,
            Column::new("total_issuance".into(), take(&mut self.total_issuance)),
            Column::new("block_emission".into(), take(&mut self.block_emission)),
            Column::new("halvings".into(), take(&mut self.halvings)),
            Column::new("minted".into(), take(&mut self.minted)),
            Column::new("recycled_total".into(), take(&mut self.recycled_total)),
        ];
        for (reason, col) in RecycleReason::ALL.iter().zip(self.recycled.iter_mut()) {
            cols.push(Column::new(
                format!("recycled_{}", reason.name()).into(),
                take(col),
            ));
        }
        cols.push(Column::new(
            "free_balances".into(),
            take(&mut self.free_balances),
        ));
        cols.push(Column::new("unmodelled".into(), take(&mut self.unmodelled)));
        cols.push(Column::new(
            "pools_and_locks".into(),
            take(&mut self.pools_and_locks),
        ));
        for (name, col) in [
            ("root_stake", &mut self.root_stake),
            ("subnet_tao", &mut self.subnet_tao),
            ("tao_injected", &mut self.tao_injected),
            ("tao_chain_bought", &mut self.tao_chain_bought),
            ("epochs", &mut self.epochs),
            ("alpha_paid", &mut self.alpha_paid),
        ] {
            cols.push(Column::new(name.into(), take(col)));
        }
        // Null where the scenario has no price path.
        cols.push(Column::new("tao_usd".into(), take(&mut self.tao_usd)));
        DataFrame::new(n, cols)
    }
}

#[derive(Default)]
struct SubnetColumns {
    block: Vec<u64>,
    time_ms: Vec<i64>,
    netuid: Vec<u32>,
    tao_reserve: Vec<u64>,
    alpha_in: Vec<u64>,
    alpha_out: Vec<u64>,
    protocol_alpha: Vec<u64>,
    alpha_issuance: Vec<u64>,
    spot_price: Vec<f64>,
    moving_price: Vec<f64>,
    pending_server: Vec<u64>,
    pending_validator: Vec<u64>,
    pending_root: Vec<u64>,
    pending_owner_cut: Vec<u64>,
    emission_share: Vec<f64>,
    tao_emission: Vec<u64>,
    tao_in: Vec<u64>,
    alpha_in_emission: Vec<u64>,
    alpha_out_emission: Vec<u64>,
    excess_tao: Vec<u64>,
    owner_cut: Vec<u64>,
    root_alpha: Vec<u64>,
    root_proportion: Vec<f64>,
    alpha_halvings: Vec<u32>,
    alpha_staked: Vec<u64>,
}

impl Columns for SubnetColumns {
    type Row = SubnetRow;

    fn push(&mut self, r: &SubnetRow) {
        self.block.push(r.block);
        self.time_ms.push(r.time_ms);
        self.netuid.push(u32::from(r.netuid));
        self.tao_reserve.push(r.tao_reserve);
        self.alpha_in.push(r.alpha_in);
        self.alpha_out.push(r.alpha_out);
        self.protocol_alpha.push(r.protocol_alpha);
        self.alpha_issuance.push(r.alpha_issuance);
        self.spot_price.push(r.spot_price);
        self.moving_price.push(r.moving_price);
        self.pending_server.push(r.pending_server);
        self.pending_validator.push(r.pending_validator);
        self.pending_root.push(r.pending_root);
        self.pending_owner_cut.push(r.pending_owner_cut);
        self.emission_share.push(r.emission_share);
        self.tao_emission.push(r.tao_emission);
        self.tao_in.push(r.tao_in);
        self.alpha_in_emission.push(r.alpha_in_emission);
        self.alpha_out_emission.push(r.alpha_out_emission);
        self.excess_tao.push(r.excess_tao);
        self.owner_cut.push(r.owner_cut);
        self.root_alpha.push(r.root_alpha);
        self.root_proportion.push(r.root_proportion);
        self.alpha_halvings.push(r.alpha_halvings);
        self.alpha_staked.push(r.alpha_staked);
    }

    fn len(&self) -> usize {
        self.block.len()
    }

    fn take_frame(&mut self) -> PolarsResult<DataFrame> {
        let n = self.len();

        DataFrame::new(
            n,
            vec![
                Column::new("block".into(), take(&mut self.block)),
                datetime_ms("date", take(&mut self.time_ms))?,
                Column::new("netuid".into(), take(&mut self.netuid)),
                Column::new("tao_reserve".into(), take(&mut self.tao_reserve)),
                Column::new("alpha_in".into(), take(&mut self.alpha_in)),
                Column::new("alpha_out".into(), take(&mut self.alpha_out)),
                Column::new("protocol_alpha".into(), take(&mut self.protocol_alpha)),
                Column::new("alpha_issuance".into(), take(&mut self.alpha_issuance)),
                Column::new("spot_price".into(), take(&mut self.spot_price)),
                Column::new("moving_price".into(), take(&mut self.moving_price)),
                Column::new("pending_server".into(), take(&mut self.pending_server)),
                Column::new(
                    "pending_validator".into(),
                    take(&mut self.pending_validator),
                ),
                Column::new("pending_root".into(), take(&mut self.pending_root)),
                Column::new(
                    "pending_owner_cut".into(),
                    take(&mut self.pending_owner_cut),
                ),
                Column::new("emission_share".into(), take(&mut self.emission_share)),
                Column::new("tao_emission".into(), take(&mut self.tao_emission)),
                Column::new("tao_in".into(), take(&mut self.tao_in)),
                Column::new(
                    "alpha_in_emission".into(),
                    take(&mut self.alpha_in_emission),
                ),
                Column::new(
                    "alpha_out_emission".into(),
                    take(&mut self.alpha_out_emission),
                ),
                Column::new("excess_tao".into(), take(&mut self.excess_tao)),
                Column::new("owner_cut".into(), take(&mut self.owner_cut)),
                Column::new("root_alpha".into(), take(&mut self.root_alpha)),
                Column::new("root_proportion".into(), take(&mut self.root_proportion)),
                Column::new("alpha_halvings".into(), take(&mut self.alpha_halvings)),
                Column::new("alpha_staked".into(), take(&mut self.alpha_staked)),
            ],
        )
    }
}

#[derive(Default)]
struct RegistrationColumns {
    block: Vec<u64>,
    time_ms: Vec<i64>,
    kind: Vec<&'static str>,
    netuid: Vec<u32>,
    uid: Vec<Option<u32>>,
    coldkey: Vec<String>,
    hotkey: Vec<String>,
    price: Vec<u64>,
    paid: Vec<u64>,
    replaced: Vec<Option<String>>,
    recycled: Vec<u64>,
    outcome: Vec<String>,
}

impl Columns for RegistrationColumns {
    type Row = RegistrationRow;

    fn push(&mut self, r: &RegistrationRow) {
        self.block.push(r.block);
        self.time_ms.push(r.time_ms);
        self.kind.push(r.kind);
        self.netuid.push(u32::from(r.netuid));
        self.uid.push(r.uid.map(u32::from));
        self.coldkey.push(r.coldkey.clone());
        self.hotkey.push(r.hotkey.clone());
        self.price.push(r.price);
        self.paid.push(r.paid);
        self.replaced.push(r.replaced.clone());
        self.recycled.push(r.recycled);
        self.outcome.push(r.outcome.clone());
    }

    fn len(&self) -> usize {
        self.block.len()
    }

    fn take_frame(&mut self) -> PolarsResult<DataFrame> {
        let n = self.len();
        DataFrame::new(
            n,
            vec![
                Column::new("block".into(), take(&mut self.block)),
                datetime_ms("date", take(&mut self.time_ms))?,
                Column::new("kind".into(), take(&mut self.kind)),
                Column::new("netuid".into(), take(&mut self.netuid)),
                Column::new("uid".into(), take(&mut self.uid)),
                Column::new("coldkey".into(), take(&mut self.coldkey)),
                Column::new("hotkey".into(), take(&mut self.hotkey)),
                Column::new("price".into(), take(&mut self.price)),
                Column::new("paid".into(), take(&mut self.paid)),
                Column::new("replaced".into(), take(&mut self.replaced)),
                Column::new("recycled".into(), take(&mut self.recycled)),
                Column::new("outcome".into(), take(&mut self.outcome)),
            ],
        )
    }
}

/// A table's column buffers from its row type: `block` and `date` first, then each field with
/// its column name and how it is read from a row.
macro_rules! columns {
    ($name:ident for $row:ty { $($field:ident: $ty:ty = |$r:ident| $get:expr),* $(,)? }) => {
        #[derive(Default)]
        struct $name {
            block: Vec<u64>,
            time_ms: Vec<i64>,
            $($field: Vec<$ty>,)*
        }

        impl Columns for $name {
            type Row = $row;

            fn push(&mut self, row: &$row) {
                self.block.push(row.block);
                self.time_ms.push(row.time_ms);
                $(self.$field.push((|$r: &$row| $get)(row));)*
            }

            fn len(&self) -> usize {
                self.block.len()
            }

            fn take_frame(&mut self) -> PolarsResult<DataFrame> {
                let n = self.len();
                DataFrame::new(
                    n,
                    vec![
                        Column::new("block".into(), take(&mut self.block)),
                        datetime_ms("date", take(&mut self.time_ms))?,
                        $(Column::new(stringify!($field).into(), take(&mut self.$field)),)*
                    ],
                )
            }
        }
    };
}

columns!(ActionColumns for ActionRow {
    agent: Option<String> = |r| r.agent.clone(),
    kind: &'static str = |r| r.kind,
    coldkey: String = |r| r.coldkey.clone(),
    hotkey: String = |r| r.hotkey.clone(),
    netuid: u32 = |r| u32::from(r.netuid),
    amount: u64 = |r| r.amount,
    result: u64 = |r| r.result,
    fee_tao: u64 = |r| r.fee_tao,
    outcome: String = |r| r.outcome.clone(),
});

columns!(NeuronColumns for NeuronRow {
    netuid: u32 = |r| u32::from(r.netuid),
    uid: u32 = |r| u32::from(r.uid),
    hotkey: String = |r| r.hotkey.clone(),
    stake: u64 = |r| r.stake,
    incentive: u32 = |r| u32::from(r.incentive),
    dividends: u32 = |r| u32::from(r.dividends),
    emission: u64 = |r| r.emission,
    validator_permit: bool = |r| r.validator_permit,
    validator_trust: u32 = |r| u32::from(r.validator_trust),
    consensus: u32 = |r| u32::from(r.consensus),
    registered_at: u64 = |r| r.registered_at,
});

columns!(PositionColumns for PositionRow {
    agent: String = |r| r.agent.clone(),
    coldkey: String = |r| r.coldkey.clone(),
    hotkey: String = |r| r.hotkey.clone(),
    netuid: u32 = |r| u32::from(r.netuid),
    alpha: u64 = |r| r.alpha,
    tao_value: u64 = |r| r.tao_value,
    free_tao: u64 = |r| r.free_tao,
});

/// One table: its buffers and its file, created at the first flush.
struct Table<C: Columns> {
    path: PathBuf,
    columns: C,
    writer: Option<BatchedWriter<File>>,
}

impl<C: Columns> Table<C> {
    fn new(path: PathBuf) -> Self {
        Self {
            path,
            columns: C::default(),
            writer: None,
        }
    }

    fn flush(&mut self, metadata: &[(String, String)]) -> Result<(), ReportError> {
        let path = self.path.display().to_string();
        let parquet = |cause| ReportError::Parquet {
            path: path.clone(),
            cause,
        };
        let df = self.columns.take_frame().map_err(parquet)?;
        if self.writer.is_none() {
            let file = File::create(&self.path).map_err(|cause| ReportError::Io {
                path: path.clone(),
                cause,
            })?;
            let writer = ParquetWriter::new(file)
                .with_compression(ParquetCompression::Zstd(None))
                .with_key_value_metadata(Some(KeyValueMetadata::from_static(metadata.to_vec())))
                .set_parallel(false)
                .batched(df.schema())
                .map_err(parquet)?;
            self.writer = Some(writer);
        }
        self.writer
            .as_mut()
            .expect("created above")
            .write_batch(&df)
            .map_err(parquet)
    }

    fn push(&mut self, row: &C::Row, metadata: &[(String, String)]) -> Result<(), ReportError> {
        self.columns.push(row);
        if self.columns.len() >= ROW_GROUP {
            self.flush(metadata)?;
        }
        Ok(())
    }

    /// Writes what is left (an empty table still gets its file and schema) and closes it.
    fn finish(mut self, metadata: &[(String, String)]) -> Result<(), ReportError> {
        if self.columns.len() > 0 || self.writer.is_none() {
            self.flush(metadata)?;
        }
        let path = self.path.display().to_string();
        if let Some(w) = self.writer.take() {
            w.finish()
                .map_err(|cause| ReportError::Parquet { path, cause })?;
        }
        Ok(())
    }
}

/// Writes the trace tables of one run into a directory.
pub struct ParquetTraceSink {
    network: Table<NetworkColumns>,
    subnets: Table<SubnetColumns>,
    registrations: Table<RegistrationColumns>,
    actions: Table<ActionColumns>,
    neurons: Table<NeuronColumns>,
    positions: Table<PositionColumns>,
    metadata: Vec<(String, String)>,
    error: Option<ReportError>,
}

impl ParquetTraceSink {
    /// `metadata` goes into every file's key/value metadata.
    pub fn new(dir: &Path, metadata: Vec<(String, String)>) -> Self {
        Self {
            network: Table::new(dir.join("network.parquet")),
            subnets: Table::new(dir.join("subnets.parquet")),
            registrations: Table::new(dir.join("registrations.parquet")),
            actions: Table::new(dir.join("actions.parquet")),
            neurons: Table::new(dir.join("neurons.parquet")),
            positions: Table::new(dir.join("positions.parquet")),
            metadata,
            error: None,
        }
    }

    /// The file names of the tables this sink writes.
    pub fn table_files() -> Vec<String> {
        [
            "network.parquet",
            "subnets.parquet",
            "registrations.parquet",
            "actions.parquet",
            "neurons.parquet",
            "positions.parquet",
        ]
        .map(String::from)
        .to_vec()
    }

    /// Writes what is buffered and closes every file. Reports the first error of the run.
    pub fn finish(mut self) -> Result<(), ReportError> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.network.finish(&self.metadata)?;
        self.subnets.finish(&self.metadata)?;
        self.registrations.finish(&self.metadata)?;
        self.actions.finish(&self.metadata)?;
        self.neurons.finish(&self.metadata)?;
        self.positions.finish(&self.metadata)
    }
}

impl TraceSink for ParquetTraceSink {
    fn network(&mut self, row: &NetworkRow) {
        if self.error.is_none() {
            self.error = self.network.push(row, &self.metadata).err();
        }
    }

    fn subnet(&mut self, row: &SubnetRow) {
        if self.error.is_none() {
            self.error = self.subnets.push(row, &self.metadata).err();
        }
    }

    fn registration(&mut self, row: &RegistrationRow) {
        if self.error.is_none() {
            self.error = self.registrations.push(row, &self.metadata).err();
        }
    }

    fn action(&mut self, row: &ActionRow) {
        if self.error.is_none() {
            self.error = self.actions.push(row, &self.metadata).err();
        }
    }

    fn neuron(&mut self, row: &NeuronRow) {
        if self.error.is_none() {
            self.error = self.neurons.push(row, &self.metadata).err();
        }
    }

    fn position(&mut self, row: &PositionRow) {
        if self.error.is_none() {
            self.error = self.positions.push(row, &self.metadata).err();
        }
    }
}

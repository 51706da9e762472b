/** Snapshots of a collection and of the whole storage: list, create, download, upload (with progress), recover, delete. */
import { useState } from 'preact/hooks';
import type { PageProps } from '../app.js';
import { api, authHeaders, collectionPath, download, upload } from '../api.js';
import { DataTable, CollectionPicker, Confirm, Notice, formatBytes, useAction, useAsync, useCollections } from '../ui.js';

interface SnapshotInfo {
  name: string;
  creation_time: string | null;
  size: number;
}

function SnapshotTable({ list, base, canDelete, canRecover, onRecover, onChange }: { list: SnapshotInfo[]; base: string; canDelete: boolean; canRecover: boolean; onRecover?: (s: SnapshotInfo) => void; onChange: () => void }) {
  const [deleting, setDeleting] = useState<string | undefined>();
  const action = useAction();
  return (
    <>
      {action.notice}
      <DataTable label="snapshots" headers={['Name', 'Created', 'Size', '']} empty={list.length === 0 && 'No snapshots.'}>
          {list.map((s) => (
            <tr key={s.name}>
              <td class="mono">{s.name}</td>
              <td>{s.creation_time === null ? '' : new Date(`${s.creation_time}Z`.replace(/ZZ$/, 'Z')).toLocaleString()}</td>
              <td>{formatBytes(s.size)}</td>
              <td class="actions">
                <button type="button" class="secondary" onClick={() => void action.run(() => download(`${base}/${encodeURIComponent(s.name)}`, s.name))}>
                  Download
                </button>
                {canRecover && onRecover !== undefined && (
                  <button type="button" class="secondary" onClick={() => onRecover(s)}>
                    Recover
                  </button>
                )}
                {canDelete && (
                  <button type="button" class="danger" onClick={() => setDeleting(s.name)}>
                    Delete
                  </button>
                )}
              </td>
            </tr>
          ))}
      </DataTable>
      {deleting !== undefined && (
        <Confirm
          title={`Delete snapshot ${deleting}?`}
          body={<p>The snapshot file is removed.</p>}
          onCancel={() => setDeleting(undefined)}
          onConfirm={() => {
            const n = deleting;
            setDeleting(undefined);
            void action.run(() => api('DELETE', `${base}/${encodeURIComponent(n)}?wait=true`), `Deleted ${n}`).then(onChange);
          }}
        />
      )}
    </>
  );
}

/** Full-storage snapshots: create, download, delete, and restore on the running server (by name or by upload). */
function FullSnapshots({ session, list, reload }: { session: PageProps['session']; list: SnapshotInfo[]; reload: () => void }) {
  const action = useAction();
  const [restoring, setRestoring] = useState<{ name: string; blob?: Blob } | undefined>();
  const [force, setForce] = useState(false);
  const [file, setFile] = useState<File | undefined>();
  const [progress, setProgress] = useState<number | undefined>();
  const canRestore = session.can('recover_full_snapshot');

  const restore = (target: { name: string; blob?: Blob }, replace: boolean): Promise<boolean> =>
    action.run(async () => {
      const flags = `wait=true&force=${replace ? 'true' : 'false'}`;
      if (target.blob === undefined) {
        await api('PUT', `/snapshots/recover?${flags}`, { location: target.name });
        return;
      }
      setProgress(0);
      try {
        await upload(`/snapshots/upload?${flags}`, 'snapshot', target.blob, target.name, setProgress);
      } finally {
        setProgress(undefined);
      }
    }, `Restored the storage from ${target.name}`);

  return (
    <section class="card" aria-label="full snapshots">
      <h2>Full storage snapshots</h2>
      {session.can('create_full_snapshot') && (
        <button type="button" disabled={action.busy} onClick={() => void action.run(() => api('POST', '/snapshots?wait=true'), 'Full snapshot created').then(reload)}>
          Create full snapshot
        </button>
      )}
      {action.notice}
      <SnapshotTable list={list} base="/snapshots" canDelete={session.can('delete_full_snapshot')} canRecover={canRestore} onRecover={(s) => setRestoring({ name: s.name })} onChange={reload} />
      {canRestore && (
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            if (file !== undefined) setRestoring({ name: file.name, blob: file });
          }}
        >
          <label>
            Upload a full snapshot and restore the storage from it
            <input type="file" accept=".snapshot" aria-label="full snapshot file" onChange={(e) => setFile(e.currentTarget.files?.[0])} />
          </label>
          <button type="submit" disabled={file === undefined || action.busy}>
            Upload and restore
          </button>
          {progress !== undefined && <progress max={1} value={progress} aria-label="full snapshot upload progress" />}
        </form>
      )}
      <p class="hint">Restoring creates the snapshot's collections and aliases; collections of the same name are replaced only when you allow it.</p>
      {restoring !== undefined && (
        <Confirm
          title={`Restore the storage from ${restoring.name}?`}
          confirmText="restore"
          body={
            <>
              <p>Every collection in the snapshot is restored with its points, indexes and aliases.</p>
              <label class="inline">
                <input type="checkbox" checked={force} onChange={(e) => setForce(e.currentTarget.checked)} aria-label="replace existing collections" />
                Replace collections that already exist (otherwise a name clash stops the restore before anything changes)
              </label>
            </>
          }
          onCancel={() => setRestoring(undefined)}
          onConfirm={() => {
            const target = restoring;
            setRestoring(undefined);
            void restore(target, force).then(reload);
          }}
        />
      )}
    </section>
  );
}

export function SnapshotsPage({ session }: PageProps) {
  const collections = useCollections();
  const [collection, setCollection] = useState('');
  const base = collectionPath(collection, '/snapshots');
  const list = useAsync(() => (collection === '' ? Promise.resolve([]) : api<SnapshotInfo[]>('GET', base)), [collection]);
  const full = useAsync(() => (session.can('list_full_snapshots') ? api<SnapshotInfo[]>('GET', '/snapshots') : Promise.resolve(undefined)), []);
  const [progress, setProgress] = useState<number | undefined>();
  const [file, setFile] = useState<File | undefined>();
  const [recovering, setRecovering] = useState<SnapshotInfo | undefined>();
  const action = useAction();
  const canRecover = session.can('recover_from_uploaded_snapshot');

  const uploadBlob = (blob: Blob, name: string): Promise<boolean> =>
    action.run(async () => {
      setProgress(0);
      try {
        await upload(collectionPath(collection, '/snapshots/upload?wait=true&priority=snapshot'), 'snapshot', blob, name, setProgress);
      } finally {
        setProgress(undefined);
      }
    }, `Recovered ${collection} from ${name}`);

  return (
    <div class="page">
      <section class="card" aria-label="collection snapshots">
        <h2>Collection snapshots</h2>
        <div class="row">
          <CollectionPicker value={collection} onChange={setCollection} names={collections.data ?? []} />
          {session.can('create_snapshot', collection) && (
            <button type="button" disabled={collection === '' || action.busy} onClick={() => void action.run(() => api('POST', `${base}?wait=true`), 'Snapshot created').then(list.reload)}>
              Create snapshot
            </button>
          )}
        </div>
        {action.notice}
        {list.error !== undefined && <Notice kind="error">{list.error}</Notice>}
        <SnapshotTable list={list.data ?? []} base={base} canDelete={session.can('delete_snapshot', collection)} canRecover={canRecover} onRecover={setRecovering} onChange={list.reload} />
        {canRecover && (
          <form
            class="row"
            onSubmit={(e) => {
              e.preventDefault();
              if (file !== undefined) void uploadBlob(file, file.name).then(list.reload);
            }}
          >
            <label>
              Upload a snapshot and recover {collection} from it
              <input type="file" accept=".snapshot" onChange={(e) => setFile(e.currentTarget.files?.[0])} />
            </label>
            <button type="submit" disabled={file === undefined || collection === '' || action.busy}>
              Upload and recover
            </button>
            {progress !== undefined && <progress max={1} value={progress} aria-label="upload progress" />}
          </form>
        )}
      </section>
      {recovering !== undefined && (
        <Confirm
          title={`Recover ${collection} from ${recovering.name}?`}
          body={<p>The collection's current points are replaced by the snapshot's.</p>}
          onCancel={() => setRecovering(undefined)}
          onConfirm={() => {
            const s = recovering;
            setRecovering(undefined);
            void action.run(async () => {
              const res = await fetch(`${base}/${encodeURIComponent(s.name)}`, { headers: authHeaders() });
              if (!res.ok) throw new Error(`download failed: HTTP ${res.status}`);
              await uploadBlob(await res.blob(), s.name);
            });
          }}
        />
      )}
      {full.data !== undefined && <FullSnapshots session={session} list={full.data} reload={full.reload} />}
    </div>
  );
}
